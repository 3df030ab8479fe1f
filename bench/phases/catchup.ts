/**
 * Catch-up reads (kafka-consumer-perf-test from the beginning): write `catchupBytes` (less than
 * the broker's cache) into a fresh topic, then read everything from offset 0 with M consumers —
 * first from the cache (flushes write through), then again after a broker restart, when the cache
 * is empty and every segment comes from the object store (cold). Each read is repeated (a restart
 * before every cold one) and the median reported: 168 MB from the cache take 50–150 ms, and single
 * reads of it varied 4× between runs. A read from the cache goes through the written bytes
 * `catchupPasses` times on the same connections, by default as many bytes as one run of the
 * loopback ceiling: its first pass on new connections ran 10–20 ms (15–30%) slower than the
 * passes after it, and a 60 ms read set against a 1 GiB loopback run measured mostly that start.
 */
import { endOffsets } from '../load/consumer.js';
import { makeBatch } from '../load/workload.js';
import { CpuMeter, cpuSeconds } from '../proc.js';
import { mbPerSec } from '../stats.js';
import { ensureTopic } from '../topics.js';
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

export async function catchupPhase(ctx: RunContext, restart: boolean): Promise<CatchupFigures> {
  const { opts } = ctx;
  const partitions = opts.latencyPartitions;
  const batchBytes = opts.latencyBatchBytes;
  const topic = await ensureTopic(ctx.admin, `catchup-p${partitions}`, partitions);
  ctx.progress.begin(`[${ctx.env.backend}] catch-up: writing ${(opts.catchupBytes / 1e6).toFixed(0)} MB, ${partitions}p ${kib(batchBytes)}`);
  const writing = ctx.window('catch-up: writing');
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
    stopAfterBytes: opts.catchupBytes,
  });
  writing();
  ctx.progress.end();
  const until = await endOffsets(ctx.admin, topic.name, partitions);
  const cached = await repeatedRead(opts.catchupRepeats, () => readAll(ctx, topic.name, partitions, until, opts.catchupPasses, `[${ctx.env.backend}] catch-up from cache`));
  let cold: CatchupRead | null = null;
  let restarted: { stopMs: number; startMs: number } | null = null;
  if (restart) {
    cold = await repeatedRead(opts.catchupRepeats, async () => {
      const r = await ctx.restartBroker();
      restarted ??= r;
      return readAll(ctx, topic.name, partitions, until, 1, `[${ctx.env.backend}] catch-up cold (after restart)`);
    });
  }
  return {
    partitions,
    batchBytes,
    writtenBytes: written.bytes,
    writeMbPerSec: mbPerSec(written.bytes, written.windowMs),
    cached,
    cold,
    restart: restarted,
  };
}
