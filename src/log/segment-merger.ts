import type { Logger } from 'pino';
import type { SegmentRecord } from '../metadata/metadata-store.js';
import type { LogManager, TopicState } from './log-manager.js';
import { segmentObjectKey } from './object-format.js';
import type { PartitionLog } from './partition-log.js';
import { partsLength } from './segment-cache.js';
import { encodeLz4Blocks } from './lz4-blocks.js';
import { uniqueSuffix } from './log-writer.js';

export interface MergePolicy {
  /** Small runs of one partition that make a merge worth it. */
  minSegments: number;
  /** Runs older than this are merged even when fewer than minSegments (but at least two). */
  maxAgeMs: number;
  /**
   * Runs younger than this are left alone: the tail is what tailing consumers read from the cache,
   * and rewriting it while it is hot costs CPU and evicts the working set.
   */
  minAgeMs: number;
  /** Raw bytes one pass rewrites at most, so a pass never holds the broker for long. */
  maxBytesPerPass: number;
  /**
   * Bytes one merge may hold in memory: its runs' raw bytes, and for an LZ4 segment also their
   * compressed blocks (so groups are half as large). Bounds the merger's memory whatever segment.bytes
   * a topic sets (Kafka users often set 1 GiB); larger segments would need streaming uploads.
   */
  maxGroupBytes: number;
}

/** The scratch buffer's size when merge groups may be larger (it grows for a larger group). */
const MAX_SCRATCH_BYTES = 64 * 1024 * 1024;

/**
 * Runs of one merge read from the object store at once. A partition's runs lie in as many flush
 * objects (~80 KB each at 16 partitions); read one after the other, each a round trip through the
 * thread pool (or an S3 GET), they kept the merger behind the flushes: at a sustained 140 MB/s it
 * merged ~590 of the ~1,200 runs a second they made.
 */
const RUN_READS_IN_FLIGHT = 8;

/** Calls every job, at most `limit` at a time; rejects with the first failure once none is running. */
async function runWithLimit(jobs: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < jobs.length && failures.length === 0) {
      await jobs[next++]().catch((err: unknown) => failures.push(err));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  if (failures.length > 0) throw failures[0];
}

/** A run inside a multi-partition flush object, as opposed to a merged per-partition segment. */
export function isFlushRun(segment: SegmentRecord): boolean {
  return segment.objectKey.startsWith('objects/');
}

/**
 * The background merger: rewrites a partition's small runs (scattered over flush objects) into
 * per-partition segments `{topic}/{partition}/seg_{base offset}…bin` of up to segment.bytes, and
 * swaps the rows in one metadata transaction. Readers keep working across the swap: the rows they
 * found still name objects that exist until the garbage collector's grace period ends.
 */
export class SegmentMerger {
  readonly stats = { merges: 0, segmentsMerged: 0, conflicts: 0 };
  private stopping = false;
  /**
   * Where the runs a merge reads from the object store land (raw runs; LZ4 ones unframe into
   * memory of their own), reused from one merge to the next while passes find work. A fresh
   * buffer per merge (64 MB of new pages to fault in, several times a second while the merger
   * catches up) showed in produce latency under load. Dropped by a pass that merges nothing.
   */
  private scratch: Buffer | null = null;
  /** Passes run one after the other: two at once would read into the same scratch buffer. */
  private passes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly logs: LogManager,
    private readonly policy: MergePolicy,
    private readonly log: Logger,
  ) {}

  /** Makes a running pass end after its current merge. */
  stop(): void {
    this.stopping = true;
  }

  /**
   * One pass over every partition, up to maxBytesPerPass of rewriting (after a pass still running).
   * Resolves to true when the pass stopped with work left for lack of budget.
   */
  run(now = Date.now(), overrides: Partial<MergePolicy> = {}): Promise<boolean> {
    const pass = this.passes.then(() => this.pass(now, { ...this.policy, ...overrides }));
    this.passes = pass.catch(() => false); // the caller of run() gets the failure
    return pass;
  }

  private async pass(now: number, policy: MergePolicy): Promise<boolean> {
    let budget = policy.maxBytesPerPass;
    const merges = this.stats.merges;
    try {
      for (const topic of this.logs.topics()) {
        for (const p of topic.partitions) {
          if (p.leaseEpoch === null) continue;
          for (const group of this.plan(topic, p, now, policy)) {
            if (this.stopping) return false;
            if (budget <= 0) return true;
            await this.merge(topic, p, group, policy);
            budget -= group.reduce((n, s) => n + s.rawLength, 0);
          }
        }
      }
    } finally {
      if (this.stats.merges === merges) this.scratch = null;
    }
    return false;
  }

  /** Consecutive flush runs, grouped up to segment.bytes (and maxGroupBytes), worth merging now. */
  plan(topic: TopicState, p: PartitionLog, now: number, policy: MergePolicy = this.policy): SegmentRecord[][] {
    const runs = [...p.segments()].filter((s) => isFlushRun(s) && now - s.createdAt >= policy.minAgeMs);
    if (runs.length < 2) return [];
    const oldEnough = now - runs[0].createdAt >= policy.maxAgeMs;
    if (runs.length < policy.minSegments && !oldEnough) return [];
    const limit = Math.min(topic.config.segmentBytes, topic.config.segmentCompression === 'lz4' ? policy.maxGroupBytes / 2 : policy.maxGroupBytes);
    const groups: SegmentRecord[][] = [];
    let current: SegmentRecord[] = [];
    let bytes = 0;
    let previous: SegmentRecord | undefined;
    for (const run of runs) {
      const contiguous = previous !== undefined && run.baseOffset === previous.lastOffset + 1n;
      if (current.length > 0 && (!contiguous || bytes + run.rawLength > limit)) {
        groups.push(current);
        current = [];
        bytes = 0;
      }
      current.push(run);
      bytes += run.rawLength;
      previous = run;
    }
    groups.push(current);
    return groups.filter((g) => g.length >= 2);
  }

  private async merge(topic: TopicState, p: PartitionLog, group: SegmentRecord[], policy: MergePolicy): Promise<void> {
    // Read around the cache: merging cold runs must not evict what consumers are reading.
    const runParts: (readonly Buffer[])[] = new Array(group.length);
    const stored: { i: number; seg: SegmentRecord; at: number }[] = [];
    let scratchBytes = 0;
    let cachedRuns = 0;
    group.forEach((seg, i) => {
      const cached = this.logs.cache.peek(seg);
      if (cached) {
        runParts[i] = cached;
        cachedRuns++;
      } else {
        stored.push({ i, seg, at: scratchBytes });
        if (seg.format === 'raw') scratchBytes += seg.byteLength;
      }
    });
    const scratch = scratchBytes > 0 ? this.scratchFor(scratchBytes, policy) : null;
    const reads = stored.map(({ i, seg, at }) => async (): Promise<void> => {
      runParts[i] =
        seg.format === 'raw' && scratch
          ? [await this.logs.reader.readRawInto(seg, scratch.subarray(at, at + seg.byteLength))]
          : await this.logs.reader.segmentBytes(seg, { cache: false });
    });
    await runWithLimit(reads, RUN_READS_IN_FLIGHT);
    const parts = runParts.flat();
    const rawLength = partsLength(parts);
    const lz4 = topic.config.segmentCompression === 'lz4';
    const body = lz4 ? await encodeLz4Blocks(parts) : parts;
    const bodyLength = partsLength(body);
    const first = group[0];
    const last = group[group.length - 1];
    const key = segmentObjectKey(topic.record.name, p.partition, first.baseOffset, `${Date.now().toString(36)}-${uniqueSuffix()}`);
    await this.logs.objects.put(key, body);
    const merged: Omit<SegmentRecord, 'createdAt'> = {
      topicId: p.topicId,
      partition: p.partition,
      baseOffset: first.baseOffset,
      lastOffset: last.lastOffset,
      objectKey: key,
      byteStart: 0,
      byteLength: bodyLength,
      rawLength,
      format: lz4 ? 'lz4-blocks' : 'raw',
      maxTimestamp: group.reduce((m, s) => (s.maxTimestamp > m ? s.maxTimestamp : m), -1n),
    };
    const swapped = await this.logs.metadata.replaceSegments(
      { key, size: bodyLength, agentId: this.logs.agentId },
      { topicId: p.topicId, partition: p.partition, baseOffsets: group.map((s) => s.baseOffset) },
      merged,
    );
    if (!swapped) {
      // Retention or another writer changed these rows meanwhile; our object is referenced by nothing.
      this.stats.conflicts++;
      await this.logs.objects.delete(key);
      return;
    }
    // Only runs read from the cache make a hot segment: a run read from the store (into the scratch
    // buffer, which the next merge overwrites) stays out even if a consumer cached it meanwhile.
    const hot = cachedRuns === group.length && group.every((seg) => this.logs.cache.peek(seg) !== undefined);
    for (const seg of group) {
      p.removeSegment(seg.baseOffset);
      this.logs.cache.evict(seg);
    }
    const record: SegmentRecord = { ...merged, createdAt: Date.now() };
    p.addSegment(record);
    // Runs still cached stay cached: the merged segment takes their place with the same bytes, so a
    // consumer reading behind the merger is not sent to the object store for what was in memory.
    // Cold runs stay out: merging them must not evict what consumers are reading.
    if (hot) this.logs.cache.put(record, parts);
    this.stats.merges++;
    this.stats.segmentsMerged += group.length;
    this.log.debug({ partition: p.key, runs: group.length, key }, 'merged runs into a segment');
  }

  /** The scratch buffer, (re)allocated when it cannot take `bytes`. */
  private scratchFor(bytes: number, policy: MergePolicy): Buffer {
    if (!this.scratch || this.scratch.length < bytes) {
      // Pages are only touched as runs are read into them, so sizing for the largest group is free.
      this.scratch = Buffer.allocUnsafeSlow(Math.max(bytes, Math.min(policy.maxGroupBytes, MAX_SCRATCH_BYTES)));
    }
    return this.scratch;
  }
}
