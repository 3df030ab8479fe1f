import { decompressFrame } from 'lz4-napi';
import { decodeLz4Blocks } from './lz4-blocks.js';
import { readBatchHeader, readRecords } from '../../protocol/records/index.js';
import type { SegmentRecord } from '../metadata/metadata-store.js';
import { ObjectNotFoundError, type ObjectStore } from '../objects/object-store.js';
import type { PartitionLog } from './partition-log.js';
import type { SegmentCache, SegmentParts } from './segment-cache.js';

/** Fixed offsets inside a v2 batch header that the scan needs (Kafka's DefaultRecordBatch layout). */
const BATCH_LENGTH_AT = 8;
const LAST_OFFSET_DELTA_AT = 23;
const LOG_OVERHEAD = 12;

export interface ReadResult {
  /** Whole batches, as views into cached segment bytes: one view per segment read. */
  batches: Buffer[];
  bytes: number;
  /** The offset after the last batch returned (`fetchOffset` when none was). */
  nextOffset: bigint;
}

/** One partition's read that a Fetch is about to make. */
export interface PlannedRead {
  partition: PartitionLog;
  fetchOffset: bigint;
  maxBytes: number;
}

export interface TimestampLookup {
  offset: bigint;
  timestamp: bigint;
}

/**
 * The read path: finds the segments holding an offset through the partition's B-tree, gets their
 * bytes from the cache or with a ranged GET of the object store, and hands out whole batches
 * without copying them.
 */
export class LogReader {
  constructor(
    private readonly objects: ObjectStore,
    private readonly cache: SegmentCache,
  ) {}

  /**
   * The segment's batches back to back, from the cache or the object store. With `cache: false`
   * a segment that is not cached is read without being cached (background work).
   */
  segmentBytes(segment: SegmentRecord, options: { cache?: boolean } = {}): Promise<SegmentParts> {
    if (options.cache === false) {
      const cached = this.cache.peek(segment);
      return cached ? Promise.resolve(cached) : this.loadSegment(segment);
    }
    return this.cache.load(segment, (seg) => this.loadSegment(seg));
  }

  /**
   * A raw (not LZ4-framed) segment read from the object store into `into`, which must hold its
   * byteLength, bypassing the cache: background work that reads much reuses one buffer instead
   * of faulting in fresh memory for every segment.
   */
  async readRawInto(seg: SegmentRecord, into: Buffer): Promise<Buffer> {
    if (seg.format !== 'raw') throw new Error(`segment ${seg.objectKey}@${seg.byteStart} is ${seg.format}, not raw`);
    return this.getStored(seg, into);
  }

  private async getStored(seg: SegmentRecord, into?: Buffer): Promise<Buffer> {
    const body = await this.objects.getRange(seg.objectKey, { start: seg.byteStart, length: seg.byteLength }, into);
    if (body.length !== seg.byteLength) {
      throw new Error(`segment ${seg.objectKey}@${seg.byteStart}: read ${body.length} bytes, expected ${seg.byteLength}`);
    }
    return body;
  }

  private async loadSegment(seg: SegmentRecord): Promise<SegmentParts> {
    const body = await this.getStored(seg);
    if (seg.format === 'raw') return [body];
    if (seg.format === 'lz4-blocks') return decodeLz4Blocks(body, seg.rawLength);
    const raw = await decompressFrame(body);
    if (raw.length !== seg.rawLength) {
      throw new Error(`segment ${seg.objectKey}@${seg.byteStart} unframed to ${raw.length} bytes, expected ${seg.rawLength}`);
    }
    return [raw];
  }

  /**
   * Starts loading, all at once, the uncached segments that `reads` will walk, so a cold Fetch
   * waits for one round of object-store GETs instead of one GET after another (partitions and
   * the segments within each are read in order). At most `maxBytes` of segments, and never more
   * than a quarter of the cache, so what is loaded ahead is still cached when the read gets to it.
   * Returns the bytes of the segments started.
   */
  prefetch(reads: readonly PlannedRead[], maxBytes: number): number {
    const budget = Math.min(maxBytes, Math.floor(this.cache.maxBytes / 4));
    let planned = 0;
    let started = 0;
    for (const r of reads) {
      const p = r.partition;
      let forPartition = 0;
      let segment = p.segmentFor(r.fetchOffset) ?? p.segmentAfter(r.fetchOffset);
      while (segment && segment.baseOffset < p.highWatermark && forPartition < r.maxBytes && planned < budget) {
        forPartition += segment.rawLength;
        planned += segment.rawLength;
        if (!this.cache.has(segment)) {
          started += segment.rawLength;
          // Not awaited: the read that gets to this segment awaits the same load (or, if it
          // failed, loads again) and reports the error there.
          this.segmentBytes(segment).catch(() => undefined);
        }
        segment = p.segmentAfter(segment.baseOffset);
      }
    }
    return started;
  }

  /**
   * Whole batches from the one holding `fetchOffset`, up to `maxBytes`. When `minOneBatch`, the
   * first batch is returned even if it is larger than `maxBytes`, so a consumer always progresses.
   * The caller has checked that logStartOffset <= fetchOffset < highWatermark.
   */
  async read(p: PartitionLog, fetchOffset: bigint, maxBytes: number, minOneBatch: boolean): Promise<ReadResult> {
    const spans: Buffer[] = [];
    let bytes = 0;
    let nextOffset = fetchOffset;
    let segment = p.segmentFor(fetchOffset) ?? p.segmentAfter(fetchOffset);
    while (segment && segment.baseOffset < p.highWatermark) {
      let parts: SegmentParts;
      try {
        parts = await this.segmentBytes(segment);
      } catch (err) {
        // A merge or retention swapped this row out and its object is gone: look again.
        const replacement = err instanceof ObjectNotFoundError ? p.segmentFor(segment.baseOffset) : undefined;
        if (!replacement || replacement.objectKey === segment.objectKey) throw err;
        segment = replacement;
        continue;
      }
      let full = false;
      for (const raw of parts) {
        const span = takeSpan(raw, fetchOffset, maxBytes - bytes, minOneBatch && bytes === 0);
        if (span.bytes > 0) {
          spans.push(span.view);
          nextOffset = span.nextOffset;
        }
        bytes += span.bytes;
        full = span.full;
        if (full) break;
      }
      if (full) break;
      segment = p.segmentAfter(segment.baseOffset);
    }
    return { batches: spans, bytes, nextOffset };
  }

  /**
   * The first offset whose record timestamp is >= `timestamp`, with that timestamp (ListOffsets by
   * time). Segment rows carry their max timestamp, so only one segment is read.
   */
  async offsetForTimestamp(p: PartitionLog, timestamp: bigint): Promise<TimestampLookup | null> {
    for (const segment of p.segments()) {
      if (segment.maxTimestamp < timestamp || segment.lastOffset < p.logStartOffset) continue;
      const raw = await this.segmentBytes(segment);
      for (const batch of splitRun(raw)) {
        const h = readBatchHeader(batch, 0);
        if (h.maxTimestamp < timestamp || h.baseOffset + BigInt(h.lastOffsetDelta) < p.logStartOffset) continue;
        if (h.timestampType === 'log_append') return { offset: maxOf(h.baseOffset, p.logStartOffset), timestamp: h.maxTimestamp };
        for (const r of readRecords(batch)) {
          if (r.offset >= p.logStartOffset && r.timestamp >= timestamp) return { offset: r.offset, timestamp: r.timestamp };
        }
      }
    }
    return null;
  }

  /** The offset of the record with the largest timestamp (the first such record), and that timestamp. */
  async maxTimestampOffset(p: PartitionLog): Promise<TimestampLookup | null> {
    let best: SegmentRecord | undefined;
    for (const s of p.segments()) if (s.lastOffset >= p.logStartOffset && (!best || s.maxTimestamp > best.maxTimestamp)) best = s;
    if (!best || best.maxTimestamp < 0n) return null;
    const raw = await this.segmentBytes(best);
    for (const batch of splitRun(raw)) {
      const h = readBatchHeader(batch, 0);
      if (h.maxTimestamp !== best.maxTimestamp) continue;
      if (h.timestampType === 'log_append') return { offset: h.baseOffset + BigInt(h.lastOffsetDelta), timestamp: h.maxTimestamp };
      for (const r of readRecords(batch)) if (r.timestamp === h.maxTimestamp) return { offset: r.offset, timestamp: r.timestamp };
    }
    return null;
  }
}

interface Span {
  view: Buffer;
  bytes: number;
  /** The offset after the span's last batch. */
  nextOffset: bigint;
  /** A batch at or past `fetchOffset` did not fit: the read is complete. */
  full: boolean;
}

/**
 * The batches of one part that hold offsets from `fetchOffset` on and fit in `room` bytes (the
 * first one regardless when `minOne`). Batches of a part sit back to back, so they are one view.
 */
function takeSpan(raw: Buffer, fetchOffset: bigint, room: number, minOne: boolean): Span {
  let pos = 0;
  let start = -1;
  let bytes = 0;
  let nextOffset = fetchOffset;
  while (pos + LOG_OVERHEAD <= raw.length) {
    const size = raw.readInt32BE(pos + BATCH_LENGTH_AT) + LOG_OVERHEAD;
    const last = raw.readBigInt64BE(pos) + BigInt(raw.readInt32BE(pos + LAST_OFFSET_DELTA_AT));
    if (last >= fetchOffset) {
      if (bytes + size > room && !(minOne && bytes === 0)) return { view: raw.subarray(start < 0 ? pos : start, pos), bytes, nextOffset, full: true };
      if (start < 0) start = pos;
      bytes += size;
      nextOffset = last + 1n;
    }
    pos += size;
  }
  return { view: raw.subarray(start < 0 ? pos : start, Math.min(pos, raw.length)), bytes, nextOffset, full: false };
}

/** The batches of a segment's parts, as views. */
export function* splitRun(parts: SegmentParts): IterableIterator<Buffer> {
  for (const raw of parts) {
    let pos = 0;
    while (pos + LOG_OVERHEAD <= raw.length) {
      const size = raw.readInt32BE(pos + BATCH_LENGTH_AT) + LOG_OVERHEAD;
      yield raw.subarray(pos, pos + size);
      pos += size;
    }
  }
}

function maxOf(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
