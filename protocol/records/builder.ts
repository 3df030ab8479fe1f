// Building magic-v2 record batches (for tests, control markers and anything the broker must write
// itself; produced batches are passed through byte for byte, never rebuilt).
import {
  BATCH_HEADER_OFFSETS as O,
  BATCH_HEADER_SIZE,
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  type TimestampType,
  encodeAttributes,
  writeBatchCrc,
} from './batch-header.js';
import { type CompressionType, compress } from './compression/index.js';
import { ControlRecordType, encodeControlRecordKey, encodeEndTxnMarkerValue } from './control.js';
import { RecordsError, RecordsErrorCode } from './errors.js';
import type { RecordHeader } from './records.js';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';

export interface BuildRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  /** absolute timestamp (ms); default: BuildBatchOptions.timestamp */
  timestamp?: bigint;
  /** default: the record's index. Must be strictly increasing when given. */
  offsetDelta?: number;
}

export interface BuildBatchOptions {
  baseOffset?: bigint;
  /** default -1 (what producers send; the broker stamps its own) */
  partitionLeaderEpoch?: number;
  records: BuildRecord[];
  compression?: CompressionType;
  /** gzip / zstd level (default: Kafka's, 6 / 3) */
  compressionLevel?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  timestampType?: TimestampType;
  /** timestamp for records that have none, and for an empty batch; default Date.now() (-1 if empty) */
  timestamp?: bigint;
  /** override maxTimestamp (default: the largest record timestamp) — e.g. the LogAppendTime */
  maxTimestamp?: bigint;
  /** override lastOffsetDelta (default: the last record's offsetDelta; 0 for an empty batch) */
  lastOffsetDelta?: number;
}

function invalid(message: string): RecordsError {
  return new RecordsError(RecordsErrorCode.INVALID_ARGUMENT, message);
}

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(`${name} ${value} outside ${min}..${max}`);
  return value;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
function checkLong(name: string, value: bigint): bigint {
  if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX) throw invalid(`${name} ${String(value)} is not an int64`);
  return value;
}

function sizeOfBytes(b: Buffer | null): number {
  return b === null ? 1 : sizeOfVarint(b.length) + b.length;
}

function writeBytes(buf: Buffer, pos: number, b: Buffer | null): number {
  if (b === null) return writeVarint(buf, pos, -1);
  pos = writeVarint(buf, pos, b.length);
  b.copy(buf, pos);
  return pos + b.length;
}

export function buildBatch(options: BuildBatchOptions): Buffer {
  const input = options.records;
  const count = input.length;
  const compression = options.compression ?? 'none';
  const baseOffset = checkLong('baseOffset', options.baseOffset ?? 0n);
  const defaultTimestamp = options.timestamp ?? (count === 0 ? NO_TIMESTAMP : BigInt(Date.now()));
  checkLong('timestamp', defaultTimestamp);

  // Pass 1: timestamps, deltas and sizes.
  const baseTimestamp = count === 0 ? defaultTimestamp : checkLong('timestamp', input[0].timestamp ?? defaultTimestamp);
  let maxTimestamp = count === 0 ? defaultTimestamp : baseTimestamp;
  const tsDeltas = new Array<bigint>(count);
  const offsetDeltas = new Array<number>(count);
  const bodySizes = new Array<number>(count);
  const headerKeys = new Array<Buffer[]>(count);
  let recordsSize = 0;
  let lastDelta = -1;
  for (let i = 0; i < count; i++) {
    const r = input[i];
    const ts = checkLong('timestamp', r.timestamp ?? defaultTimestamp);
    if (ts > maxTimestamp) maxTimestamp = ts;
    const tsDelta = BigInt.asIntN(64, ts - baseTimestamp);
    const offsetDelta = checkInt('offsetDelta', r.offsetDelta ?? i, 0, 0x7fffffff);
    if (offsetDelta <= lastDelta) throw invalid(`offsetDelta ${offsetDelta} does not increase (previous ${lastDelta})`);
    lastDelta = offsetDelta;
    const headers = r.headers ?? [];
    const keys = new Array<Buffer>(headers.length);
    let size =
      1 + sizeOfVarlong(tsDelta) + sizeOfVarint(offsetDelta) + sizeOfBytes(r.key) + sizeOfBytes(r.value) + sizeOfVarint(headers.length);
    for (let h = 0; h < headers.length; h++) {
      const k = Buffer.from(headers[h].key, 'utf8');
      keys[h] = k;
      size += sizeOfVarint(k.length) + k.length + sizeOfBytes(headers[h].value);
    }
    tsDeltas[i] = tsDelta;
    offsetDeltas[i] = offsetDelta;
    bodySizes[i] = size;
    headerKeys[i] = keys;
    recordsSize += sizeOfVarint(size) + size;
  }
  if (options.maxTimestamp !== undefined) maxTimestamp = checkLong('maxTimestamp', options.maxTimestamp);
  const lastOffsetDelta = checkInt('lastOffsetDelta', options.lastOffsetDelta ?? Math.max(lastDelta, 0), 0, 0x7fffffff);
  if (lastOffsetDelta < lastDelta) throw invalid(`lastOffsetDelta ${lastOffsetDelta} is below the last record's ${lastDelta}`);
  if (BATCH_HEADER_SIZE + recordsSize > 0x7fffffff) throw invalid('batch larger than 2 GiB');

  // Pass 2: encode the records, in place when uncompressed.
  const plain = compression === 'none' ? Buffer.allocUnsafe(BATCH_HEADER_SIZE + recordsSize) : Buffer.allocUnsafe(recordsSize);
  let pos = compression === 'none' ? BATCH_HEADER_SIZE : 0;
  for (let i = 0; i < count; i++) {
    const r = input[i];
    pos = writeVarint(plain, pos, bodySizes[i]);
    plain[pos++] = 0; // record attributes
    pos = writeVarlong(plain, pos, tsDeltas[i]);
    pos = writeVarint(plain, pos, offsetDeltas[i]);
    pos = writeBytes(plain, pos, r.key);
    pos = writeBytes(plain, pos, r.value);
    const headers = r.headers ?? [];
    pos = writeVarint(plain, pos, headers.length);
    const keys = headerKeys[i];
    for (let h = 0; h < headers.length; h++) {
      pos = writeBytes(plain, pos, keys[h]);
      pos = writeBytes(plain, pos, headers[h].value);
    }
  }

  let batch: Buffer;
  if (compression === 'none') {
    batch = plain;
  } else {
    const level = options.compressionLevel;
    const payload = compress(compression, plain, level === undefined ? undefined : { level });
    if (BATCH_HEADER_SIZE + payload.length > 0x7fffffff) throw invalid('batch larger than 2 GiB');
    batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + payload.length);
    payload.copy(batch, BATCH_HEADER_SIZE);
  }

  batch.writeBigInt64BE(baseOffset, O.baseOffset);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, O.batchLength);
  batch.writeInt32BE(checkInt('partitionLeaderEpoch', options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, -(2 ** 31), 2 ** 31 - 1), O.partitionLeaderEpoch);
  batch.writeInt8(CURRENT_MAGIC, O.magic);
  batch.writeInt16BE(
    encodeAttributes({
      compression,
      timestampType: options.timestampType ?? 'create',
      isTransactional: options.isTransactional ?? false,
      isControl: options.isControl ?? false,
    }),
    O.attributes,
  );
  batch.writeInt32BE(lastOffsetDelta, O.lastOffsetDelta);
  batch.writeBigInt64BE(baseTimestamp, O.baseTimestamp);
  batch.writeBigInt64BE(maxTimestamp, O.maxTimestamp);
  batch.writeBigInt64BE(checkLong('producerId', options.producerId ?? NO_PRODUCER_ID), O.producerId);
  batch.writeInt16BE(checkInt('producerEpoch', options.producerEpoch ?? NO_PRODUCER_EPOCH, -(2 ** 15), 2 ** 15 - 1), O.producerEpoch);
  batch.writeInt32BE(checkInt('baseSequence', options.baseSequence ?? NO_SEQUENCE, -(2 ** 31), 2 ** 31 - 1), O.baseSequence);
  batch.writeInt32BE(count, O.recordCount);
  writeBatchCrc(batch);
  return batch;
}

export interface BuildControlBatchOptions {
  commit: boolean;
  coordinatorEpoch: number;
  producerId: bigint;
  producerEpoch: number;
  baseOffset?: bigint;
  timestamp: bigint;
  partitionLeaderEpoch?: number;
}

/** A transaction end marker: one control record in a transactional + control batch, uncompressed. */
export function buildControlBatch(options: BuildControlBatchOptions): Buffer {
  checkInt('coordinatorEpoch', options.coordinatorEpoch, -(2 ** 31), 2 ** 31 - 1);
  return buildBatch({
    baseOffset: options.baseOffset ?? 0n,
    partitionLeaderEpoch: options.partitionLeaderEpoch,
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    baseSequence: NO_SEQUENCE,
    isTransactional: true,
    isControl: true,
    timestamp: options.timestamp,
    records: [
      {
        key: encodeControlRecordKey(options.commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT),
        value: encodeEndTxnMarkerValue(options.coordinatorEpoch),
      },
    ],
  });
}
