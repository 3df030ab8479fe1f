/**
 * What the load generator sends: 1 KiB records (half random bytes, half text, as OMB's payloads)
 * in batches of a target size, and Produce v9 requests encoded ONCE and replayed.
 *
 * Every batch's first record value starts with an 8-byte send time (process.hrtime, the system's
 * monotonic clock, shared by every process on the machine) followed by an 8-byte marker, so a
 * consumer in another process can compute end-to-end latency from the fetched bytes alone. Replayed
 * requests carry a zero time (not stamped); the latency run stamps a copy of each batch and
 * re-computes its CRC just before sending.
 */
import { randomBytes } from 'node:crypto';
import { encodeRequest } from '../../protocol/frames.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { buildBatch, writeBatchCrc } from '../../protocol/records/index.js';

export const STAMP_MARKER = Buffer.from('SHBENCH1', 'latin1');
const TEXT = Buffer.from('{"event":"page_view","user":"u-000123","path":"/products/42","ms":17,"ok":true} ');

export const PRODUCE_VERSION = 9;
export const FETCH_VERSION = 12;

function recordValue(size: number): Buffer {
  const v = Buffer.alloc(size);
  const half = Math.floor(size / 2);
  randomBytes(half).copy(v, 0);
  for (let at = half; at < size; at += TEXT.length) TEXT.copy(v, at, 0, Math.min(TEXT.length, size - at));
  return v;
}

export interface TemplateBatch {
  batch: Buffer;
  records: number;
  /** Offset of the send-time stamp inside the batch. */
  stampAt: number;
}

/** A batch of as many `recordBytes` records as fit in `batchBytes` (at least one). */
export function makeBatch(batchBytes: number, recordBytes: number): TemplateBatch {
  // Like a producer's batch.size: as many records as fit (at least one). A record costs its value
  // plus a few bytes of framing (length, attributes, deltas, null key, value length, headers).
  let count = Math.max(1, Math.floor((batchBytes - 61) / (recordBytes + 8)));
  const records = Array.from({ length: count }, () => ({ key: null, value: recordValue(recordBytes) }));
  STAMP_MARKER.copy(records[0].value, 8);
  records[0].value.fill(0, 0, 8);
  let batch = buildBatch({ records, timestamp: BigInt(Date.now()) });
  while (batch.length > batchBytes && count > 1) {
    count -= Math.max(1, Math.ceil((batch.length - batchBytes) / (recordBytes + 8)));
    count = Math.max(1, count);
    batch = buildBatch({ records: records.slice(0, count), timestamp: BigInt(Date.now()) });
  }
  const stampAt = batch.indexOf(STAMP_MARKER) - 8;
  if (stampAt < 61) throw new Error('stamp marker not found in the built batch');
  return { batch, records: count, stampAt };
}

/** Writes the send time into a batch (a private copy) and fixes its CRC. */
export function stampBatch(batch: Buffer, stampAt: number, nowNs: bigint): void {
  batch.writeBigInt64BE(nowNs, stampAt);
  writeBatchCrc(batch);
}

/** The send time in a fetched batch, or null when it carries none. */
export function readStamp(batch: Buffer, stampAt: number): bigint | null {
  if (batch.length < stampAt + 16) return null;
  if (batch.compare(STAMP_MARKER, 0, 8, stampAt + 8, stampAt + 16) !== 0) return null;
  const ns = batch.readBigInt64BE(stampAt);
  return ns === 0n ? null : ns;
}

export interface EncodedRequest {
  /** Request chunks (size prefix included); chunk 0 holds the correlation id. */
  chunks: Buffer[];
  bytes: number;
  records: number;
  /** Where each batch sits in `chunks`, and the batch, for stamping copies. */
  batchSlots: { index: number; batch: Buffer }[];
}

/** Which partitions each request of a producer carries, round robin (as a Kafka producer drains). */
export function requestPartitions(partitions: number, batchBytes: number, maxRequestBytes: number, producer: number, count: number): number[][] {
  const perRequest = Math.max(1, Math.min(partitions, Math.floor(maxRequestBytes / batchBytes)));
  const out: number[][] = [];
  let next = (producer * perRequest) % partitions;
  for (let i = 0; i < count; i++) {
    const ps: number[] = [];
    for (let j = 0; j < perRequest; j++) {
      ps.push(next);
      next = (next + 1) % partitions;
    }
    out.push(ps.sort((a, b) => a - b));
  }
  return out;
}

/** Encodes one Produce v9 request (acks=all) carrying one batch per listed partition. */
export function encodeProduce(topic: string, partitions: number[], batches: Buffer[], recordsPerBatch: number, timeoutMs = 30_000): EncodedRequest {
  const chunks = encodeRequest(ApiKey.Produce, PRODUCE_VERSION, 0, 'streamhouse-bench', {
    transactionalId: null,
    acks: -1,
    timeoutMs,
    topicData: [{ name: topic, partitionData: partitions.map((index, i) => ({ index, records: batches[i] })) }],
  });
  const batchSlots = batches.map((batch) => {
    const index = chunks.indexOf(batch);
    if (index < 0) throw new Error('encodeRequest copied a batch (expected it by reference)');
    return { index, batch };
  });
  return { chunks, bytes: batches.reduce((n, b) => n + b.length, 0), records: recordsPerBatch * batches.length, batchSlots };
}

/**
 * The chunks to send for one replay: chunk 0 (the header, whose correlation id WireClient patches
 * in place) is copied so requests in flight at once never share it; batches are shared.
 */
export function replayChunks(req: EncodedRequest): Buffer[] {
  const c = req.chunks.slice();
  c[0] = Buffer.from(c[0]);
  return c;
}

/** Like replayChunks, with every batch a stamped private copy. */
export function stampedChunks(req: EncodedRequest, stampAt: number): Buffer[] {
  const c = replayChunks(req);
  const now = process.hrtime.bigint();
  for (const slot of req.batchSlots) {
    const copy = Buffer.from(slot.batch);
    stampBatch(copy, stampAt, now);
    c[slot.index] = copy;
  }
  return c;
}
