/**
 * Consumer side of the load generator: M LeanConnections, each with one Fetch v12 in
 * flight at a time over its partitions (as a Kafka consumer fetches from one broker), long-polling
 * at the tail. Counts the record bytes received and reads the send-time stamp of every batch for
 * end-to-end latency. Catch-up mode starts at offset 0 and stops at given end offsets.
 */
import type { WireClient } from '../../src/client/wire-client.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { cpuSeconds } from '../proc.js';
import { Samples } from '../stats.js';
import type { ConsumeJob, ConsumeResult } from './messages.js';
import { FETCH_VERSION, readStamp } from './workload.js';
import { LeanConnection } from './lean-connection.js';

const ERROR_NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([k, v]) => [v as number, k]));

/** Latest offsets (high watermarks) of partitions 0..n-1 of a topic. */
export async function endOffsets(client: Pick<WireClient | LeanConnection, 'send'>, topic: string, partitions: number): Promise<bigint[]> {
  const res = await client.send(ApiKey.ListOffsets, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, i) => ({ partitionIndex: i, currentLeaderEpoch: -1, timestamp: -1n })) }],
  });
  const out = new Array<bigint>(partitions).fill(0n);
  for (const p of res.topics[0].partitions) {
    if (p.errorCode !== ErrorCode.NONE) throw new Error(`ListOffsets ${topic}/${p.partitionIndex}: error ${p.errorCode}`);
    out[p.partitionIndex] = p.offset;
  }
  return out;
}

export class ConsumerRun {
  private readonly e2e = new Samples();
  private readonly errors: Record<string, number> = {};
  private bytes = 0;
  private records = 0;
  private fetches = 0;
  private until: bigint[] | null;
  private readonly offsets = new Map<number, bigint>();
  private readonly startOffsets = new Map<number, bigint>();
  /** Catch-up passes each partition has finished (it is rewound after each but the last). */
  private readonly passesDone = new Map<number, number>();
  private startedAt = 0;
  private firstPassEndedAt = 0;
  /** Catch-up: partitions still in their first pass. */
  private firstPassesLeft = 0;
  private endedAt = 0;
  private readonly cpu0 = cpuSeconds(process.pid);
  private stopping = false;
  private loops: Promise<void>[] = [];
  private clients: LeanConnection[] = [];
  private reachedEnd = false;
  private endReached: (() => void) | null = null;

  constructor(private readonly job: ConsumeJob) {
    this.until = job.until;
  }

  get progress(): { bytes: number; records: number } {
    return { bytes: this.bytes, records: this.records };
  }

  /** Connects, finds the start offsets and starts fetching. */
  async start(): Promise<void> {
    const { job } = this;
    this.clients = await Promise.all(job.assignments.map(() => LeanConnection.connect(job.host, job.port, 'streamhouse-bench-consumer')));
    const partitions = Math.max(...job.assignments.flat()) + 1;
    const start = job.from === 'earliest' ? new Array<bigint>(partitions).fill(0n) : await endOffsets(this.clients[0], job.topic, partitions);
    for (const p of job.assignments.flat()) {
      this.offsets.set(p, start[p]);
      this.startOffsets.set(p, start[p]);
      this.passesDone.set(p, 0);
      if (this.until && start[p] < this.until[p]) this.firstPassesLeft++;
    }
    this.startedAt = performance.now();
    this.loops = this.clients.map((c, i) => this.loop(c, job.assignments[i]));
  }

  /** Resolves when every partition reached `until` (or at the timeout), then stops. */
  async finish(endOffsets: bigint[] | null, timeoutMs: number): Promise<ConsumeResult> {
    if (endOffsets) this.until = endOffsets;
    if (!this.done()) {
      await new Promise<void>((resolve) => {
        this.endReached = resolve;
        setTimeout(resolve, timeoutMs).unref();
      });
    }
    this.reachedEnd = this.done();
    if (this.endedAt === 0) this.endedAt = performance.now();
    this.stopping = true;
    await Promise.allSettled(this.loops);
    await Promise.all(this.clients.map((c) => c.close()));
    return {
      kind: 'consume-result',
      bytes: this.bytes,
      records: this.records,
      fetches: this.fetches,
      durationMs: this.endedAt - this.startedAt,
      firstPassMs: this.job.passes > 1 && this.firstPassEndedAt > 0 ? this.firstPassEndedAt - this.startedAt : null,
      e2e: this.e2e.toArray(),
      reachedEnd: this.reachedEnd,
      errors: this.errors,
      cpuSeconds: cpuSeconds(process.pid) - this.cpu0,
    };
  }

  private done(): boolean {
    if (!this.until) return false;
    for (const [p, o] of this.offsets) if (o < this.until[p]) return false;
    return true;
  }

  private async loop(client: LeanConnection, partitions: number[]): Promise<void> {
    const { job } = this;
    while (!this.stopping) {
      const wanted = partitions.filter((p) => !this.until || this.offsets.get(p)! < this.until[p]);
      if (wanted.length === 0) {
        if (this.done()) {
          this.endedAt ||= performance.now();
          this.endReached?.();
        }
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      const res = await client.send(ApiKey.Fetch, FETCH_VERSION, {
        replicaId: -1,
        maxWaitMs: job.maxWaitMs,
        minBytes: 1,
        maxBytes: job.maxBytes,
        isolationLevel: 0,
        topics: [{ topic: job.topic, partitions: wanted.map((partition) => ({ partition, fetchOffset: this.offsets.get(partition)!, partitionMaxBytes: job.partitionMaxBytes })) }],
      });
      const now = process.hrtime.bigint();
      this.fetches++;
      for (const t of res.responses) {
        for (const p of t.partitions) {
          if (p.errorCode !== ErrorCode.NONE) {
            const name = ERROR_NAMES.get(p.errorCode) ?? String(p.errorCode);
            this.errors[name] = (this.errors[name] ?? 0) + 1;
            continue;
          }
          if (p.records) this.take(p.partitionIndex, p.records, now);
        }
      }
    }
  }

  /** Walks the batches of one partition's records: bytes, records, stamps, next offset. */
  private take(partition: number, records: Buffer, now: bigint): void {
    let pos = 0;
    let next = this.offsets.get(partition)!;
    while (pos + 61 <= records.length) {
      const size = records.readInt32BE(pos + 8) + 12;
      if (pos + size > records.length) break; // a partial batch at the end (not sent by this broker)
      const base = records.readBigInt64BE(pos);
      const last = base + BigInt(records.readInt32BE(pos + 23));
      if (last >= next) {
        this.records += records.readInt32BE(pos + 57);
        this.bytes += size;
        const batch = records.subarray(pos, pos + size);
        const stamp = readStamp(batch, this.job.stampAt);
        if (stamp !== null) this.e2e.push(Number(now - stamp) / 1e6);
        next = last + 1n;
      }
      pos += size;
    }
    this.offsets.set(partition, next);
    if (this.until && next >= this.until[partition]) this.passEnded(partition);
  }

  /** A partition reached its end offset: rewinds it for the next pass, or ends the read. */
  private passEnded(partition: number): void {
    const passes = this.passesDone.get(partition)! + 1;
    this.passesDone.set(partition, passes);
    if (passes === 1 && --this.firstPassesLeft === 0) this.firstPassEndedAt = performance.now();
    if (passes < this.job.passes) {
      this.offsets.set(partition, this.startOffsets.get(partition)!);
    } else if (this.done()) {
      this.endedAt ||= performance.now();
      this.endReached?.();
    }
  }
}
