import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { MetadataStore, RunCommit, RunOutcome, SegmentFormat, SegmentRecord } from '../metadata/metadata-store.js';
import type { ObjectStore } from '../objects/object-store.js';
import { readBatchHeader, setBaseOffset, setLogAppendTime } from '../../protocol/records/index.js';
import { encodeFooter, flushObjectKey, type ObjectRunEntry } from './object-format.js';
import type { PartitionLog } from './partition-log.js';
import { partsLength, type SegmentCache } from './segment-cache.js';
import { encodeLz4Blocks } from './lz4-blocks.js';

export interface LogWriterOptions {
  agentId: string;
  /** How long the first pending batch waits for company before a flush. */
  lingerMs: number;
  /** Pending bytes that trigger a flush before the linger ends. */
  flushBytes: number;
  /** Pending + flushing bytes beyond which appends wait for room (backpressure, not OOM). */
  maxBufferedBytes: number;
  /** Flushes uploading at once; their commits still happen one after the other, in order. */
  maxFlushesInFlight: number;
}

/** How one partition's batches are to be stored, decided per topic. */
export interface AppendOptions {
  /** New runs are written as is or as LZ4 blocks; LZ4 frames ('lz4') are only ever read. */
  format: Exclude<SegmentFormat, 'lz4'>;
  logAppendTime: boolean;
}

export interface AppendResult {
  baseOffset: bigint;
  lastOffset: bigint;
  /** The time stamped into the batches for LogAppendTime topics, else -1. */
  logAppendTime: bigint;
}

/** Why an append failed: 'fenced' when another writer owns the partition now, else 'storage'. */
export class AppendError extends Error {
  readonly code = 'APPEND_FAILED';
  constructor(readonly reason: 'fenced' | 'storage' | 'unknown_partition', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppendError';
  }
}

interface PendingAppend {
  batches: Buffer[];
  bytes: number;
  resolve: (r: AppendResult) => void;
  reject: (e: Error) => void;
}

interface PendingPartition {
  partition: PartitionLog;
  options: AppendOptions;
  appends: PendingAppend[];
}

/** One partition's share of a flush, once offsets are assigned. */
interface PreparedRun {
  pending: PendingPartition;
  /** The partition's write generation when its offsets were handed out. */
  generation: number;
  /** The batches back to back, with offsets assigned: views into the requests, or copies. */
  raw: Buffer[];
  /** What goes into the object: `raw` itself, or its LZ4 frame. */
  body: Buffer[];
  baseOffset: bigint;
  lastOffset: bigint;
  maxTimestamp: bigint;
  logAppendTime: bigint;
  /** Base/last offset of each append, in order. */
  ranges: { base: bigint; last: bigint }[];
}

interface UploadedObject {
  key: string;
  size: number;
  entries: ObjectRunEntry[];
}

/**
 * The write path. Produce requests from every connection append here; pending batches are
 * flushed on linger or size as ONE object holding every partition's run, then ONE metadata
 * transaction records a segment row per run and advances the high watermarks. Only then are the
 * appends resolved: an acknowledged record is in the object store and in the metadata store.
 *
 * Flushes are pipelined: up to `maxFlushesInFlight` prepare and upload their objects at once,
 * while their commits run strictly in flush order. Offsets are handed out at prepare time from
 * `nextOffset`; if a flush fails, the offsets it and every later in-flight flush handed out for
 * that partition are taken back (the partition's write generation moves on), so no commit can
 * leave a gap or reuse an offset — the metadata store's expected-high-watermark check would
 * refuse it anyway.
 */
export class LogWriter {
  private pending = new Map<string, PendingPartition>();
  private pendingBytes = 0;
  private flushingBytes = 0;
  private inFlight = 0;
  private lingerTimer: NodeJS.Timeout | null = null;
  /** The commit step of the newest flush; each flush commits after the one before. */
  private commits: Promise<void> = Promise.resolve();
  private sequence = 0;
  private readonly roomWaiters: (() => void)[] = [];
  private closed = false;
  /** Counters for benchmarks and logs. */
  readonly stats = { flushes: 0, objects: 0, bytes: 0, batches: 0, failedFlushes: 0 };

  constructor(
    private readonly options: LogWriterOptions,
    private readonly metadata: MetadataStore,
    private readonly objects: ObjectStore,
    private readonly cache: SegmentCache,
    private readonly log: Logger,
  ) {}

  /** Bytes accepted but not yet durable. */
  get bufferedBytes(): number {
    return this.pendingBytes + this.flushingBytes;
  }

  /**
   * Queues whole v2 batches (views into the request, patched in place when offsets are assigned)
   * for one partition. Resolves once they are durable, with the offsets they got.
   */
  async append(partition: PartitionLog, batches: Buffer[], options: AppendOptions): Promise<AppendResult> {
    if (this.closed) throw new AppendError('storage', 'log writer is closed');
    let bytes = 0;
    for (const b of batches) bytes += b.length;
    while (this.bufferedBytes + bytes > this.options.maxBufferedBytes && this.bufferedBytes > 0) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      if (this.closed) throw new AppendError('storage', 'log writer is closed');
    }
    return new Promise<AppendResult>((resolve, reject) => {
      let entry = this.pending.get(partition.key);
      if (!entry) {
        entry = { partition, options, appends: [] };
        this.pending.set(partition.key, entry);
      }
      entry.appends.push({ batches, bytes, resolve, reject });
      this.pendingBytes += bytes;
      this.schedule();
    });
  }

  /** Flushes everything pending now and waits until it is durable. */
  async flush(): Promise<void> {
    this.clearLinger();
    while (this.pending.size > 0 || this.inFlight > 0) {
      if (this.pending.size > 0 && this.inFlight < this.options.maxFlushesInFlight) this.startFlush();
      else await this.commits;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    for (const w of this.roomWaiters.splice(0)) w();
  }

  private schedule(): void {
    if (this.pending.size === 0 || this.inFlight >= this.options.maxFlushesInFlight) return;
    if (this.pendingBytes >= this.options.flushBytes) {
      this.clearLinger();
      this.startFlush();
    } else if (!this.lingerTimer) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = null;
        this.startFlush();
      }, this.options.lingerMs);
    }
  }

  private clearLinger(): void {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
    }
  }

  private startFlush(): void {
    if (this.pending.size === 0 || this.inFlight >= this.options.maxFlushesInFlight) return;
    const batch = this.pending;
    const bytes = this.pendingBytes;
    this.pending = new Map();
    this.pendingBytes = 0;
    this.flushingBytes += bytes;
    this.inFlight++;
    const runs = this.prepareRuns(batch);
    const uploaded = runs.length > 0 ? this.upload(runs) : Promise.resolve(null);
    uploaded.catch(() => undefined); // awaited (and its failure handled) by the commit step below
    const done = this.commits.then(() => this.commit(runs, uploaded));
    this.commits = done;
    void done.finally(() => {
      this.inFlight--;
      this.flushingBytes -= bytes;
      for (const w of this.roomWaiters.splice(0)) w();
      this.schedule();
    });
  }

  /** Hands out offsets to every pending partition's batches (patching them in place). */
  private prepareRuns(batch: Map<string, PendingPartition>): PreparedRun[] {
    const runs: PreparedRun[] = [];
    const live: PendingPartition[] = [];
    for (const entry of batch.values()) {
      if (entry.partition.leaseEpoch === null) {
        for (const a of entry.appends) a.reject(new AppendError('fenced', `no lease on ${entry.partition.key}`));
        continue;
      }
      live.push(entry);
    }
    const keep = keptBuffers(live);
    for (const entry of live) runs.push(this.prepareRun(entry, keep));
    return runs;
  }

  /** Frames the runs and writes the flush object. */
  private async upload(runs: PreparedRun[]): Promise<UploadedObject> {
    this.stats.flushes++;
    const key = flushObjectKey(this.options.agentId, ++this.sequence, Date.now());
    await Promise.all(
      runs.map(async (run) => {
        if (run.pending.options.format === 'lz4-blocks') run.body = await encodeLz4Blocks(run.raw);
      }),
    );
    const entries: ObjectRunEntry[] = [];
    let at = 0;
    for (const run of runs) {
      const byteLength = partsLength(run.body);
      entries.push({
        topicId: run.pending.partition.topicId,
        partition: run.pending.partition.partition,
        baseOffset: run.baseOffset,
        lastOffset: run.lastOffset,
        byteStart: at,
        byteLength,
        rawLength: partsLength(run.raw),
        format: run.pending.options.format,
        maxTimestamp: run.maxTimestamp,
      });
      at += byteLength;
    }
    const footer = encodeFooter(entries);
    await this.objects.put(key, [...runs.flatMap((r) => r.body), footer]);
    return { key, size: at + footer.length, entries };
  }

  /** Runs in flush order: records the uploaded runs in the metadata store and settles the appends. */
  private async commit(runs: PreparedRun[], uploaded: Promise<UploadedObject | null>): Promise<void> {
    if (runs.length === 0) return;
    let object: UploadedObject | null;
    try {
      object = await uploaded;
    } catch (err) {
      this.stats.failedFlushes++;
      this.log.error({ err, runs: runs.length }, 'flush object could not be written; its appends are rejected');
      this.fail(runs, new AppendError('storage', 'flush failed', { cause: err }));
      return;
    }
    if (!object) return;
    // Runs whose partition took its offsets back after an earlier failure must not be committed.
    const live = runs.filter((r) => r.generation === r.pending.partition.writeGeneration);
    const stale = runs.filter((r) => r.generation !== r.pending.partition.writeGeneration);
    if (stale.length > 0) this.fail(stale, new AppendError('storage', 'an earlier flush of this partition failed'));
    if (live.length === 0) return;
    const entryOf = new Map(runs.map((r, i) => [r, object!.entries[i]]));
    const commits: RunCommit[] = live.map((run) => {
      const e = entryOf.get(run)!;
      return {
        segment: {
          topicId: e.topicId,
          partition: e.partition,
          baseOffset: run.baseOffset,
          lastOffset: run.lastOffset,
          byteStart: e.byteStart,
          byteLength: e.byteLength,
          rawLength: e.rawLength,
          format: e.format,
          maxTimestamp: run.maxTimestamp,
        },
        leaseEpoch: run.pending.partition.leaseEpoch ?? -1,
        expectedHighWatermark: run.baseOffset,
      };
    });
    let outcomes: RunOutcome[];
    try {
      outcomes = await this.metadata.commitObject({ key: object.key, size: object.size, agentId: this.options.agentId }, commits);
    } catch (err) {
      this.stats.failedFlushes++;
      this.log.error({ err, object: object.key, runs: live.length }, 'flush commit failed; its appends are rejected');
      this.fail(live, new AppendError('storage', 'flush failed', { cause: err }));
      // The commit may have landed even though we saw an error: re-read the bounds before writing again.
      await this.resync(live.map((r) => r.pending.partition));
      return;
    }
    const now = Date.now();
    this.stats.objects++;
    this.stats.bytes += object.size;
    live.forEach((run, i) => {
      const outcome = outcomes[i];
      const p = run.pending.partition;
      if (outcome === 'committed') {
        const segment: SegmentRecord = { ...commits[i].segment, objectKey: object!.key, createdAt: now };
        p.addSegment(segment);
        this.cache.put(segment, run.raw);
        p.highWatermark = run.lastOffset + 1n;
        run.pending.appends.forEach((a, j) =>
          a.resolve({ baseOffset: run.ranges[j].base, lastOffset: run.ranges[j].last, logAppendTime: run.logAppendTime }),
        );
        this.stats.batches += run.pending.appends.length;
        p.notifyAppend();
      } else {
        if (outcome === 'fenced') p.leaseEpoch = null;
        this.log.warn({ partition: p.key, outcome }, 'flush run not committed');
        this.fail([run], new AppendError(outcome === 'fenced' ? 'fenced' : 'unknown_partition', `partition ${p.key}: ${outcome}`));
      }
    });
  }

  /** Rejects the runs' appends and takes back the offsets their partitions handed out. */
  private fail(runs: PreparedRun[], err: AppendError): void {
    for (const run of runs) {
      for (const a of run.pending.appends) a.reject(err);
      if (run.generation === run.pending.partition.writeGeneration) run.pending.partition.discardUncommitted();
    }
  }

  /**
   * Hands out offsets to one partition's pending batches (patching them in place) and lays them
   * out as the run's parts: batches whose request buffer is in `keep` stay views into it, the
   * others are copied, consecutive ones together.
   */
  private prepareRun(entry: PendingPartition, keep: ReadonlySet<ArrayBufferLike>): PreparedRun {
    const p = entry.partition;
    let next = p.nextOffset;
    const baseOffset = next;
    let maxTimestamp = -1n;
    const logAppendTime = entry.options.logAppendTime ? BigInt(Date.now()) : -1n;
    const ranges: { base: bigint; last: bigint }[] = [];
    const raw: Buffer[] = [];
    let toCopy: Buffer[] = [];
    const copyPending = (): void => {
      if (toCopy.length > 0) raw.push(Buffer.concat(toCopy));
      toCopy = [];
    };
    for (const a of entry.appends) {
      const base = next;
      for (const b of a.batches) {
        setBaseOffset(b, next);
        if (logAppendTime >= 0n) setLogAppendTime(b, logAppendTime);
        const h = readBatchHeader(b, 0);
        if (h.maxTimestamp > maxTimestamp) maxTimestamp = h.maxTimestamp;
        next += BigInt(h.lastOffsetDelta) + 1n;
        if (keep.has(b.buffer)) {
          copyPending();
          raw.push(b);
        } else {
          toCopy.push(b);
        }
      }
      ranges.push({ base, last: next - 1n });
    }
    copyPending();
    p.nextOffset = next;
    return { pending: entry, generation: p.writeGeneration, raw, body: raw, baseOffset, lastOffset: next - 1n, maxTimestamp, logAppendTime, ranges };
  }

  private async resync(partitions: PartitionLog[]): Promise<void> {
    try {
      for (const topicId of new Set(partitions.map((p) => p.topicId))) {
        const states = await this.metadata.listPartitions(topicId);
        for (const p of partitions.filter((x) => x.topicId === topicId)) {
          const state = states.find((s) => s.partition === p.partition);
          if (!state) continue;
          if (state.highWatermark !== p.highWatermark) {
            for (const seg of await this.metadata.listSegments(topicId, p.partition)) p.addSegment(seg);
            p.highWatermark = state.highWatermark;
            p.notifyAppend();
          }
          p.discardUncommitted();
        }
      }
    } catch (err) {
      this.log.error({ err }, 'could not re-read partition bounds after a failed flush; dropping leases');
      for (const p of partitions) p.leaseEpoch = null;
    }
  }
}

/**
 * The request buffers that a flush's runs may keep as views: those whose batches in this flush
 * fill at least half of them. The cache then holds a produce request's own bytes instead of a
 * copy, and pins at most about twice what it counts while a request's runs age out of it
 * together; a small batch inside a large socket read, or in a mostly rejected request, is copied.
 */
function keptBuffers(entries: readonly PendingPartition[]): Set<ArrayBufferLike> {
  const used = new Map<ArrayBufferLike, number>();
  for (const entry of entries) {
    for (const a of entry.appends) for (const b of a.batches) used.set(b.buffer, (used.get(b.buffer) ?? 0) + b.length);
  }
  const keep = new Set<ArrayBufferLike>();
  for (const [buffer, bytes] of used) if (bytes * 2 >= buffer.byteLength) keep.add(buffer);
  return keep;
}

/** A fresh unique suffix for object keys. */
export function uniqueSuffix(): string {
  return randomUUID().slice(0, 8);
}
