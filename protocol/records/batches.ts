// Splitting a `records` field (concatenated record batches) into one view per batch, without copying.
//
// Legacy message sets (magic 0 and 1) — decision: recognised and rejected, never converted.
// Produce v3+ may only carry magic-v2 batches (Kafka's ProduceRequest.validateRecords throws
// InvalidRecordException → INVALID_RECORD); produce v0-2, the only versions that carry magic 0/1, are
// not advertised, so a legacy set reaching us is either a client bug or hostile. magic 0/1 keep their
// magic byte at offset 16 like v2, so we can tell them apart from garbage and report the magic
// (RecordsError LEGACY_MAGIC, `magic` set; kafkaError INVALID_RECORD — a broker that does negotiate
// old produce versions may prefer UNSUPPORTED_FOR_MESSAGE_FORMAT). Down-conversion for old fetchers
// is not offered either: fetch versions below 4 (the last to want magic < 2) are not advertised.
import { HEADER_SIZE_UP_TO_MAGIC, LOG_OVERHEAD, MIN_BATCH_LENGTH, assertMagicV2 } from './batch-header.js';
import { RecordsError, RecordsErrorCode } from './errors.js';

export interface SplitResult {
  /** Subarray views into the input, each exactly one whole batch (12 + batchLength bytes). */
  batches: Buffer[];
  /**
   * Bytes after the last whole batch. Always 0 from splitBatches (a partial batch is an error there);
   * from splitFetchedBatches, the size of the partial batch that was skipped.
   */
  trailingBytes: number;
}

export interface SplitOptions {
  /**
   * Accept (and report in trailingBytes) a final batch cut short — fetch responses may end that way
   * when a size limit falls inside a batch. Default false: produce data must be whole.
   */
  allowPartialLast?: boolean;
  /** Refuse any single batch whose batchLength exceeds this (INVALID_BATCH_LENGTH). Default: no cap. */
  maxBatchLength?: number;
}

/**
 * Splits `records` into whole magic-v2 batches (views, no copy). Throws RecordsError:
 * LEGACY_MAGIC (magic 0/1, `magic` set), UNKNOWN_MAGIC, INVALID_BATCH_LENGTH (negative, shorter than
 * a v2 header, or over maxBatchLength), TRUNCATED (the buffer ends inside a batch, unless
 * allowPartialLast). Does not verify CRCs (see verifyBatchCrc) or look at the records.
 */
export function splitBatches(records: Buffer, options: SplitOptions = {}): SplitResult {
  const allowPartialLast = options.allowPartialLast ?? false;
  const maxBatchLength = options.maxBatchLength ?? 0x7fffffff;
  const batches: Buffer[] = [];
  const len = records.length;
  let pos = 0;
  while (pos < len) {
    const remaining = len - pos;
    if (remaining < HEADER_SIZE_UP_TO_MAGIC) {
      if (allowPartialLast) return { batches, trailingBytes: remaining };
      throw new RecordsError(
        RecordsErrorCode.TRUNCATED,
        `records end inside a batch header at byte ${pos} (${remaining} of ${HEADER_SIZE_UP_TO_MAGIC} bytes)`,
        { position: pos },
      );
    }
    const batchLength = records.readInt32BE(pos + 8);
    // Check the magic first: legacy message sets are legitimately shorter than a v2 header.
    assertMagicV2(records.readInt8(pos + 16), pos);
    if (batchLength < MIN_BATCH_LENGTH || batchLength > maxBatchLength) {
      throw new RecordsError(
        RecordsErrorCode.INVALID_BATCH_LENGTH,
        `invalid batchLength ${batchLength} at byte ${pos} (allowed ${MIN_BATCH_LENGTH}..${maxBatchLength})`,
        { position: pos },
      );
    }
    const size = LOG_OVERHEAD + batchLength;
    if (size > remaining) {
      if (allowPartialLast) return { batches, trailingBytes: remaining };
      throw new RecordsError(
        RecordsErrorCode.TRUNCATED,
        `batch at byte ${pos} declares ${size} bytes, only ${remaining} present`,
        { position: pos },
      );
    }
    batches.push(records.subarray(pos, pos + size));
    pos += size;
  }
  return { batches, trailingBytes: 0 };
}

/**
 * Tolerant split for fetch-response data: a partial LAST batch (what clients accept when a byte limit
 * cuts a batch) is skipped and reported in trailingBytes. Corrupt framing before it still throws.
 */
export function splitFetchedBatches(records: Buffer, options: Omit<SplitOptions, 'allowPartialLast'> = {}): SplitResult {
  return splitBatches(records, { ...options, allowPartialLast: true });
}
