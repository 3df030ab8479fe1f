// Decoding the records of one magic-v2 batch.
//
// Record (all lengths zig-zag varints unless noted):
//   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
//   keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value |
//   headerCount varint | headers: [keyLength varint | key utf-8 | valueLength varint (-1 = null) | value]
//
// Checks follow Kafka's DefaultRecord/DefaultRecordBatch readers: a record must consume exactly its
// `length` bytes, counts and sizes may not be negative, and no bytes may follow the last declared
// record. Everything malformed becomes RecordsError (INVALID_RECORD, or a codec / framing code).
// Keys, values and header values are views into the batch (uncompressed) or into the one
// decompressed buffer (compressed) — never copied per record.
import {
  BATCH_HEADER_SIZE,
  type BatchHeader,
  LOG_OVERHEAD,
  MIN_BATCH_LENGTH,
  assertBatchCrc,
  readBatchHeader,
} from './batch-header.js';
import { type DecompressOptions, decompress } from './compression/index.js';
import { RecordsError, RecordsErrorCode } from './errors.js';
import { RecordCursor } from './varint.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface DecodedRecord {
  /** record attributes int8 (unused by Kafka so far, kept for pass-through) */
  attributes: number;
  timestampDelta: bigint;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface AbsoluteRecord extends DecodedRecord {
  /** baseOffset + offsetDelta */
  offset: bigint;
  /** baseTimestamp + timestampDelta, or maxTimestamp for a LogAppendTime batch (as Kafka readers do) */
  timestamp: bigint;
}

export interface DecodeOptions extends DecompressOptions {
  /** Check the CRC-32C first (RecordsError CRC_MISMATCH). Default false: the write path verifies once. */
  verifyCrc?: boolean;
}

/** Smallest possible encoded record: length, attributes, tsDelta, offsetDelta, key, value, headerCount. */
const MIN_RECORD_SIZE = 7;

/** Parses `count` records from buf[pos, end); the range must hold exactly those records. */
export function decodeRecordsRange(buf: Buffer, pos: number, end: number, count: number): DecodedRecord[] {
  if (count < 0) {
    throw new RecordsError(RecordsErrorCode.INVALID_RECORD, `negative record count ${count}`, { position: pos });
  }
  if (count * MIN_RECORD_SIZE > end - pos) {
    throw new RecordsError(
      RecordsErrorCode.INVALID_RECORD,
      `record count ${count} cannot fit in ${end - pos} bytes of records`,
      { position: pos },
    );
  }
  const cursor = new RecordCursor(buf, pos, end);
  const records: DecodedRecord[] = new Array<DecodedRecord>(count);
  for (let i = 0; i < count; i++) {
    const recordStart = cursor.pos;
    const size = cursor.readVarint();
    if (size < 0) cursor.fail(`negative record length ${size}`, recordStart);
    const bodyStart = cursor.pos;
    if (size > cursor.end - bodyStart) cursor.fail(`record length ${size} runs past the end of data`, recordStart);
    // Parse the body against its own end, so a field cannot spill into the next record.
    const outerEnd = cursor.end;
    cursor.end = bodyStart + size;
    const attributes = cursor.readInt8();
    const timestampDelta = cursor.readVarlong();
    const offsetDelta = cursor.readVarint();
    const key = cursor.readNullableBytes('key');
    const value = cursor.readNullableBytes('value');
    const headerCountAt = cursor.pos;
    const headerCount = cursor.readVarint();
    if (headerCount < 0) cursor.fail(`negative header count ${headerCount}`, headerCountAt);
    // Each header takes at least 2 bytes: refuse impossible counts before allocating.
    if (headerCount * 2 > cursor.remaining()) cursor.fail(`header count ${headerCount} cannot fit`, headerCountAt);
    const headers: RecordHeader[] = new Array<RecordHeader>(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const keyAt = cursor.pos;
      const keyLength = cursor.readVarint();
      if (keyLength < 0) cursor.fail(`header key with negative length ${keyLength}`, keyAt);
      const keyView = cursor.readView(keyLength);
      headers[h] = { key: keyView.toString('utf8'), value: cursor.readNullableBytes('header value') };
    }
    if (cursor.pos !== cursor.end) {
      cursor.fail(`record declares ${size} bytes but its fields use ${cursor.pos - bodyStart}`, recordStart);
    }
    cursor.end = outerEnd;
    records[i] = { attributes, timestampDelta, offsetDelta, key, value, headers };
  }
  if (cursor.pos !== end) {
    throw new RecordsError(
      RecordsErrorCode.INVALID_RECORD,
      `${end - cursor.pos} bytes follow the ${count} declared records`,
      { position: cursor.pos },
    );
  }
  return records;
}

/**
 * The records of one whole batch (as returned by splitBatches), decompressed per its attributes.
 * `header` may be passed when already read.
 */
export function decodeRecords(batch: Buffer, options: DecodeOptions = {}, header?: BatchHeader): DecodedRecord[] {
  const h = header ?? readBatchHeader(batch, 0);
  const end = LOG_OVERHEAD + h.batchLength;
  if (h.batchLength < MIN_BATCH_LENGTH) {
    throw new RecordsError(RecordsErrorCode.INVALID_BATCH_LENGTH, `invalid batchLength ${h.batchLength}`, { position: 0 });
  }
  if (end > batch.length) {
    throw new RecordsError(RecordsErrorCode.TRUNCATED, `batch declares ${end} bytes but ${batch.length} are present`, {
      position: 0,
    });
  }
  if (options.verifyCrc) assertBatchCrc(batch);
  if (h.compression === 'none') {
    return decodeRecordsRange(batch, BATCH_HEADER_SIZE, end, h.recordCount);
  }
  const plain = decompress(h.compression, batch.subarray(BATCH_HEADER_SIZE, end), options);
  return decodeRecordsRange(plain, 0, plain.length, h.recordCount);
}

/**
 * decodeRecords plus absolute offsets and timestamps (the header is read from the batch unless given).
 * Throws only RecordsError.
 */
export function readRecords(batch: Buffer, options: DecodeOptions = {}, header?: BatchHeader): AbsoluteRecord[] {
  const h = header ?? readBatchHeader(batch, 0);
  const decoded = decodeRecords(batch, options, h);
  const logAppend = h.timestampType === 'log_append';
  const records: AbsoluteRecord[] = new Array<AbsoluteRecord>(decoded.length);
  for (let i = 0; i < decoded.length; i++) {
    const r = decoded[i];
    records[i] = {
      attributes: r.attributes,
      timestampDelta: r.timestampDelta,
      offsetDelta: r.offsetDelta,
      key: r.key,
      value: r.value,
      headers: r.headers,
      offset: h.baseOffset + BigInt(r.offsetDelta),
      timestamp: logAppend ? h.maxTimestamp : BigInt.asIntN(64, h.baseTimestamp + r.timestampDelta),
    };
  }
  return records;
}
