/**
 * Catch-up reads (kafka-consumer-perf-test from the beginning): write `catchupBytes` (less than
 * the broker's cache) into a fresh topic and read everything from offset 0 with M consumers, from
 * the cache (flushes write through); then write a backlog of `coldBytes` (by default larger than
 * the cache) into another topic and read it after a broker restart, when the cache is empty and
 * every segment comes from the object store (cold). Each read is repeated (a restart before every
 * cold one) and the median reported: 168 MB from the cache take 50–150 ms, and single reads of it
 * varied 4× between runs. A cold read of 168 MB ran at 960 MB/s where one of 839 MB ran at
 * 1,130–1,280 in the same session. A read from the cache goes through the written bytes
 * `catchupPasses` times on the same connections, by default as many bytes as one run of the
 * loopback ceiling: its first pass on new connections ran 10–20 ms (15–30%) slower than the
 * passes after it, and a 60 ms read set against a 1 GiB loopback run measured mostly that start.
 */
import { endOffsets } from '../load/consumer.js';
import { makeBatch } from '../load/workload.js';
import { CpuMeter, cpuSeconds } from '../proc.js';
import { mbPerSec } from '../stats.js';
import { deleteTopic, ensureTopic } from '../topics.js';
import type { RunContext } from '../context.js';
import { MAX_REQUEST_BYTES, kib } from './max.js';

export interface CatchupRead {
  bytes: number;
  records: number;
  ms: number;
  mbPerSec: number;
  fetches: number;
  brokerCores: number;
  backendCores: number | null;
  complete: boolean;
  /** Times over the written bytes, on the same connections (`--catchup-passes`). */
  passes: number;
  /** MB/s of the first pass alone (new connections), when there were several. */
  firstPassMbPerSec: number | null;
  /** MB/s of every repeat; this read is their median. */
  repeats: number[];
}

export interface CatchupFigures {
  partitions: number;
  batchBytes: number;
  writtenBytes: number;
  writeMbPerSec: number;
  cached: CatchupRead;
  cold: CatchupRead | null;
  /** Broker restart: SIGTERM until exit, and spawn until serving, ms. */
  restart: { stopMs: number; startMs: number } | null;
}

async function readAll(ctx: RunContext, topic: string, partitions: number, until: bigint[], passes: number, label: string): Promise<Omit<CatchupRead, 'repeats'>> {
  ctx.progress.begin(label);
  const cpu = new CpuMeter(ctx.broker.child.pid);
  const backend0 = ctx.env.pids.map(cpuSeconds).reduce((a, b) => a + b, 0);
  const window = ctx.window(label.replace(/^\[[^\]]*\]\s*/, ''));
  const r = await ctx.consumers.catchUp({
    host: ctx.host,
    port: ctx.broker.child.port,
    topic,
    assignments: ctx.assignments(partitions),
    from: 'earliest',
    passes,
    until,
    stampAt: makeBatch(ctx.opts.latencyBatchBytes, ctx.opts.recordBytes).stampAt,
    maxWaitMs: 500,
    partitionMaxBytes: 1024 * 1024,
    maxBytes: 50 * 1024 * 1024,
  });
  window();
  const c = cpu.read();
  const backend = ctx.env.pids.map(cpuSeconds).reduce((a, b) => a + b, 0) - backend0;
  ctx.progress.end();
  return {
    bytes: r.bytes,
    records: r.records,
    ms: r.durationMs,
    mbPerSec: mbPerSec(r.bytes, r.durationMs),
    passes,
    firstPassMbPerSec: r.firstPassMs !== null ? mbPerSec(r.bytes / passes, r.firstPassMs) : null,
    fetches: r.fetches,
    brokerCores: c.cpuSeconds / (c.wallMs / 1000),
    backendCores: ctx.env.pids.length > 0 ? backend / (c.wallMs / 1000) : null,
    complete: r.reachedEnd,
  };
}

/** The median read (by MB/s) of `n` repeats, carrying every repeat's MB/s; incomplete if any was. */
async function repeatedRead(n: number, read: () => Promise<Omit<CatchupRead, 'repeats'>>): Promise<CatchupRead> {
  const reads: Omit<CatchupRead, 'repeats'>[] = [];
  for (let i = 0; i < n; i++) reads.push(await read());
  const sorted = [...reads].sort((a, b) => a.mbPerSec - b.mbPerSec);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return { ...median, complete: reads.every((r) => r.complete), repeats: reads.map((r) => r.mbPerSec) };
}

/** Writes `bytes` into a fresh topic as fast as acknowledgements allow; its end offsets and speed. */
async function fill(ctx: RunContext, name: string, bytes: number): Promise<{ topic: string; until: bigint[]; bytes: number; mbPerSec: number }> {
  const { opts } = ctx;
  const partitions = opts.latencyPartitions;
  const batchBytes = opts.latencyBatchBytes;
  const topic = await ensureTopic(ctx.admin, `${name}-p${partitions}`, partitions);
  ctx.progress.begin(`[${ctx.env.backend}] catch-up: writing ${(bytes / 1e6).toFixed(0)} MB into ${topic.name}, ${partitions}p ${kib(batchBytes)}`);
  const writing = ctx.window(`catch-up: writing ${topic.name}`);
  const written = await ctx.producers.produce({
    host: ctx.host,
    port: ctx.broker.child.port,
    topic: topic.name,
    partitions,
    batchBytes,
    recordBytes: opts.recordBytes,
    connections: opts.producers,
    inFlight: opts.inFlight,
    maxRequestBytes: MAX_REQUEST_BYTES,
    warmupMs: 0,
    durationMs: 0,
    rateBytesPerSec: null,
    stamp: false,
    stopAfterBytes: bytes,
  });
  writing();
  ctx.progress.end();
  return { topic: topic.name, until: await endOffsets(ctx.admin, topic.name, partitions), bytes: written.bytes, mbPerSec: mbPerSec(written.bytes, written.windowMs) };
}

export async function catchupPhase(ctx: RunContext, restart: boolean): Promise<CatchupFigures> {
  const { opts } = ctx;
  const partitions = opts.latencyPartitions;
  const hot = await fill(ctx, 'catchup', opts.catchupBytes);
  const cached = await repeatedRead(opts.catchupRepeats, () => readAll(ctx, hot.topic, partitions, hot.until, opts.catchupPasses, `[${ctx.env.backend}] catch-up from cache`));
  await deleteTopic(ctx.admin, hot.topic);
  let cold: CatchupRead | null = null;
  let restarted: { stopMs: number; startMs: number } | null = null;
  if (restart) {
    // A backlog of its own, larger than the cache, so that reading it is not over before it starts.
    const backlog = await fill(ctx, 'catchup-cold', opts.coldBytes);
    cold = await repeatedRead(opts.catchupRepeats, async () => {
      const r = await ctx.restartBroker();
      restarted ??= r;
      return readAll(ctx, backlog.topic, partitions, backlog.until, 1, `[${ctx.env.backend}] catch-up cold (after restart)`);
    });
    await deleteTopic(ctx.admin, backlog.topic);
  }
  return {
    partitions,
    batchBytes: opts.latencyBatchBytes,
    writtenBytes: hot.bytes,
    writeMbPerSec: hot.mbPerSec,
    cached,
    cold,
    restart: restarted,
  };
}
