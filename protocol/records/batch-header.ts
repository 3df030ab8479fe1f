// Magic-v2 record batch header (KIP-98 layout; all integers big-endian):
//
//   0  baseOffset            int64
//   8  batchLength           int32   bytes after this field (total size = 12 + batchLength)
//  12  partitionLeaderEpoch  int32
//  16  magic                 int8    (2)
//  17  crc                   uint32  CRC-32C of bytes [21, end): attributes .. last record
//  21  attributes            int16   bits 0-2 codec, 3 timestamp type (1 = LogAppendTime),
//                                    4 transactional, 5 control, 6 delete horizon (KIP-534)
//  23  lastOffsetDelta       int32
//  27  baseTimestamp         int64
//  35  maxTimestamp          int64
//  43  producerId            int64
//  51  producerEpoch         int16
//  53  baseSequence          int32
//  57  recordCount           int32
//  61  records (possibly compressed)
//
// baseOffset, batchLength and partitionLeaderEpoch are outside the CRC, which is why a broker can
// assign offsets and stamp the leader epoch in place without recomputing it.
import { type CompressionType, COMPRESSION_CODES, compressionFromCode } from './compression/index.js';
import { crc32c } from './crc32c.js';
import { RecordsError, RecordsErrorCode } from './errors.js';

export const BATCH_HEADER_OFFSETS = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
} as const;

/** Size of the v2 header, i.e. where the records start. */
export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const LOG_OVERHEAD = 12;
/** Smallest valid batchLength (a v2 header with no records). */
export const MIN_BATCH_LENGTH = BATCH_HEADER_SIZE - LOG_OVERHEAD;
/** First byte covered by the CRC. */
export const CRC_START = BATCH_HEADER_OFFSETS.attributes;
/** Enough bytes to read baseOffset, batchLength, leader epoch and magic — also valid for magic 0/1. */
export const HEADER_SIZE_UP_TO_MAGIC = 17;
export const CURRENT_MAGIC = 2;

export const BATCH_ATTRIBUTES = {
  compressionMask: 0x07,
  logAppendTime: 0x08,
  transactional: 0x10,
  control: 0x20,
  deleteHorizon: 0x40,
} as const;

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1n;

export type TimestampType = 'create' | 'log_append';

export interface BatchHeader {
  baseOffset: bigint;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: CompressionType;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControl: boolean;
  hasDeleteHorizon: boolean;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

function magicError(magic: number, position: number): RecordsError {
  if (magic === 0 || magic === 1) {
    return new RecordsError(
      RecordsErrorCode.LEGACY_MAGIC,
      `legacy message set (magic ${magic}) at byte ${position}: only magic v2 record batches are supported`,
      { magic, position },
    );
  }
  return new RecordsError(RecordsErrorCode.UNKNOWN_MAGIC, `unknown record batch magic ${magic} at byte ${position}`, {
    magic,
    position,
  });
}

/** Throws LEGACY_MAGIC / UNKNOWN_MAGIC unless `magic` is 2. */
export function assertMagicV2(magic: number, position = 0): void {
  if (magic !== CURRENT_MAGIC) throw magicError(magic, position);
}

/**
 * Reads the 61-byte v2 header at `offset`. Checks only what the header itself says (magic, codec);
 * the batch length against the buffer is checked by splitBatches.
 */
export function readBatchHeader(buf: Buffer, offset = 0): BatchHeader {
  if (!Number.isInteger(offset) || offset < 0) {
    throw new RecordsError(RecordsErrorCode.INVALID_ARGUMENT, `invalid header offset ${offset}`);
  }
  if (buf.length - offset < BATCH_HEADER_SIZE) {
    if (buf.length - offset >= HEADER_SIZE_UP_TO_MAGIC) assertMagicV2(buf.readInt8(offset + 16), offset);
    throw new RecordsError(
      RecordsErrorCode.TRUNCATED,
      `record batch header needs ${BATCH_HEADER_SIZE} bytes, ${Math.max(0, buf.length - offset)} available at byte ${offset}`,
      { position: offset },
    );
  }
  const magic = buf.readInt8(offset + 16);
  assertMagicV2(magic, offset);
  const attributes = buf.readInt16BE(offset + 21);
  return {
    baseOffset: buf.readBigInt64BE(offset),
    batchLength: buf.readInt32BE(offset + 8),
    partitionLeaderEpoch: buf.readInt32BE(offset + 12),
    magic,
    crc: buf.readUInt32BE(offset + 17),
    attributes,
    compression: compressionFromCode(attributes & BATCH_ATTRIBUTES.compressionMask),
    timestampType: (attributes & BATCH_ATTRIBUTES.logAppendTime) !== 0 ? 'log_append' : 'create',
    isTransactional: (attributes & BATCH_ATTRIBUTES.transactional) !== 0,
    isControl: (attributes & BATCH_ATTRIBUTES.control) !== 0,
    hasDeleteHorizon: (attributes & BATCH_ATTRIBUTES.deleteHorizon) !== 0,
    lastOffsetDelta: buf.readInt32BE(offset + 23),
    baseTimestamp: buf.readBigInt64BE(offset + 27),
    maxTimestamp: buf.readBigInt64BE(offset + 35),
    producerId: buf.readBigInt64BE(offset + 43),
    producerEpoch: buf.readInt16BE(offset + 51),
    baseSequence: buf.readInt32BE(offset + 53),
    recordCount: buf.readInt32BE(offset + 57),
  };
}

/** Builds the attributes int16 from its parts (bits 7-15 stay 0). */
export function encodeAttributes(parts: {
  compression: CompressionType;
  timestampType?: TimestampType;
  isTransactional?: boolean;
  isControl?: boolean;
  hasDeleteHorizon?: boolean;
}): number {
  let a = COMPRESSION_CODES[parts.compression];
  if (parts.timestampType === 'log_append') a |= BATCH_ATTRIBUTES.logAppendTime;
  if (parts.isTransactional) a |= BATCH_ATTRIBUTES.transactional;
  if (parts.isControl) a |= BATCH_ATTRIBUTES.control;
  if (parts.hasDeleteHorizon) a |= BATCH_ATTRIBUTES.deleteHorizon;
  return a;
}

/**
 * CRC-32C of a whole batch (bytes [21, 12 + batchLength)), or undefined when `batch` is too short for
 * the length it declares.
 */
export function computeBatchCrc(batch: Buffer): number | undefined {
  if (batch.length < BATCH_HEADER_SIZE) return undefined;
  const batchLength = batch.readInt32BE(8);
  if (batchLength < MIN_BATCH_LENGTH || batchLength > batch.length - LOG_OVERHEAD) return undefined;
  return crc32c(batch.subarray(CRC_START, LOG_OVERHEAD + batchLength));
}

/** True when the stored CRC matches the batch's bytes. False for a batch too short for its header/length. */
export function verifyBatchCrc(batch: Buffer): boolean {
  const crc = computeBatchCrc(batch);
  return crc !== undefined && crc === batch.readUInt32BE(BATCH_HEADER_OFFSETS.crc);
}

/** verifyBatchCrc that throws RecordsError CRC_MISMATCH (CORRUPT_MESSAGE) instead of returning false. */
export function assertBatchCrc(batch: Buffer): void {
  const crc = computeBatchCrc(batch);
  if (crc === undefined) {
    throw new RecordsError(RecordsErrorCode.TRUNCATED, 'record batch shorter than its declared length', {
      position: 0,
    });
  }
  const stored = batch.readUInt32BE(BATCH_HEADER_OFFSETS.crc);
  if (crc !== stored) {
    throw new RecordsError(
      RecordsErrorCode.CRC_MISMATCH,
      `record batch CRC mismatch: stored 0x${stored.toString(16)}, computed 0x${crc.toString(16)}`,
      { position: BATCH_HEADER_OFFSETS.crc },
    );
  }
}

/** Recomputes and stores the CRC (after changing bytes it covers). */
export function writeBatchCrc(batch: Buffer): void {
  const crc = computeBatchCrc(batch);
  if (crc === undefined) {
    throw new RecordsError(RecordsErrorCode.TRUNCATED, 'record batch shorter than its declared length', {
      position: 0,
    });
  }
  batch.writeUInt32BE(crc, BATCH_HEADER_OFFSETS.crc);
}

function assertHeader(batch: Buffer): void {
  if (batch.length < BATCH_HEADER_SIZE) {
    throw new RecordsError(RecordsErrorCode.TRUNCATED, `record batch header needs ${BATCH_HEADER_SIZE} bytes`, {
      position: 0,
    });
  }
}

/** In place; baseOffset is outside the CRC, so the CRC stays valid. */
export function setBaseOffset(batch: Buffer, baseOffset: bigint): void {
  assertHeader(batch);
  batch.writeBigInt64BE(baseOffset, BATCH_HEADER_OFFSETS.baseOffset);
}

/** In place; the leader epoch is outside the CRC, so the CRC stays valid. */
export function setPartitionLeaderEpoch(batch: Buffer, epoch: number): void {
  assertHeader(batch);
  batch.writeInt32BE(epoch, BATCH_HEADER_OFFSETS.partitionLeaderEpoch);
}

/**
 * For LogAppendTime topics (what Kafka's DefaultRecordBatch.setMaxTimestamp does): sets the timestamp
 * type bit to LogAppendTime and maxTimestamp to the append time, then recomputes the CRC (both fields
 * are CRC-covered). baseTimestamp and the record deltas are left alone; readers take every record's
 * timestamp from maxTimestamp when the bit is set.
 */
export function setMaxTimestampAndLogAppendTime(batch: Buffer, timestamp: bigint): void {
  if (computeBatchCrc(batch) === undefined) {
    throw new RecordsError(RecordsErrorCode.TRUNCATED, 'record batch shorter than its declared length', {
      position: 0,
    });
  }
  const attributes = batch.readInt16BE(BATCH_HEADER_OFFSETS.attributes);
  batch.writeInt16BE(attributes | BATCH_ATTRIBUTES.logAppendTime, BATCH_HEADER_OFFSETS.attributes);
  batch.writeBigInt64BE(timestamp, BATCH_HEADER_OFFSETS.maxTimestamp);
  writeBatchCrc(batch);
}

/** Alias of setMaxTimestampAndLogAppendTime. */
export const setLogAppendTime: (batch: Buffer, timestamp: bigint) => void = setMaxTimestampAndLogAppendTime;
