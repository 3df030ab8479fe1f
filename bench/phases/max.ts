/**
 * Max throughput (kafka-producer-perf-test --throughput -1): N producer connections keep requests
 * in flight as fast as the broker acknowledges them, M consumers tail the topic meanwhile.
 */
import type { ConsumeResult, ProduceResult } from '../load/messages.js';
import { endOffsets } from '../load/consumer.js';
import { makeBatch } from '../load/workload.js';
import { summarize, mbPerSec, type LatencySummary } from '../stats.js';
import { CpuMeter, cpuSeconds } from '../proc.js';
import { deleteTopic, ensureTopic } from '../topics.js';
import { newFlushObjects, type RunContext } from '../context.js';

export const MAX_REQUEST_BYTES = 1024 * 1024;

const NO_CONSUMERS: ConsumeResult = {
  kind: 'consume-result',
  bytes: 0,
  records: 0,
  fetches: 0,
  durationMs: 0,
  firstPassMs: null,
  e2e: new Float64Array(0),
  reachedEnd: true,
  errors: {},
  cpuSeconds: 0,
};

export interface ProduceFigures {
  partitions: number;
  batchBytes: number;
  offeredMbPerSec: number | null;
  mbPerSec: number;
  recordsPerSec: number;
  latency: LatencySummary;
  e2e: LatencySummary;
  consumeMbPerSec: number;
  consumersCaughtUp: boolean;
  /** Broker CPU over the run, in cores (1.0 = one core busy). */
  brokerCores: number;
  /** Broker CPU seconds per GB acknowledged. */
  brokerCpuSecPerGB: number;
  generatorCores: number;
  backendCores: number | null;
  flushes: number;
  flushesPerSec: number;
  meanFlushObjectBytes: number;
  errors: Record<string, number>;
  lateSends: number;
}

export interface ProduceRunSpec {
  topic: string;
  partitions: number;
  batchBytes: number;
  durationMs: number;
  warmupMs: number;
  rateBytesPerSec: number | null;
  stamp: boolean;
  label: string;
}

/** One produce run with tailing consumers; the shared core of the max and latency phases. */
export async function produceRun(ctx: RunContext, spec: ProduceRunSpec): Promise<ProduceFigures> {
  const { opts } = ctx;
  const topic = await ensureTopic(ctx.admin, spec.topic, spec.partitions);
  const port = ctx.broker.child.port;
  const tailing = opts.consumers > 0;
  if (tailing) {
    await ctx.consumers.startConsuming({
      host: ctx.host,
      port,
      topic: topic.name,
      assignments: ctx.assignments(spec.partitions),
      from: 'latest',
      passes: 1,
      until: null,
      stampAt: makeBatch(spec.batchBytes, opts.recordBytes).stampAt,
      maxWaitMs: 500,
      partitionMaxBytes: 1024 * 1024,
      maxBytes: 50 * 1024 * 1024,
    });
  }
  const flushesBefore = await ctx.env.flushObjects();
  ctx.progress.begin(spec.label);
  const brokerCpu = new CpuMeter(ctx.broker.child.pid);
  const backendCpu0 = ctx.env.pids.map(cpuSeconds).reduce((a, b) => a + b, 0);
  const window = ctx.window(spec.label.replace(/^\[[^\]]*\]\s*/, '').replace(/\s+/g, ' '));
  const produced: ProduceResult = await ctx.producers.produce({
    host: ctx.host,
    port,
    topic: topic.name,
    partitions: spec.partitions,
    batchBytes: spec.batchBytes,
    recordBytes: opts.recordBytes,
    connections: opts.producers,
    inFlight: opts.inFlight,
    maxRequestBytes: MAX_REQUEST_BYTES,
    warmupMs: spec.warmupMs,
    durationMs: spec.durationMs,
    rateBytesPerSec: spec.rateBytesPerSec,
    stamp: spec.stamp,
    stopAfterBytes: null,
  });
  window();
  const cpu = brokerCpu.read();
  const backendCpu = ctx.env.pids.map(cpuSeconds).reduce((a, b) => a + b, 0) - backendCpu0;
  const ends = await endOffsets(ctx.admin, topic.name, spec.partitions);
  const consumed: ConsumeResult = tailing ? await ctx.consumers.finish(ends, 20_000) : NO_CONSUMERS;
  ctx.progress.end();
  const flushes = await newFlushObjects(ctx.env, flushesBefore);
  const wallS = cpu.wallMs / 1000;
  const genCpu = produced.cpuSeconds + consumed.cpuSeconds;
  const totalBytesProduced = produced.bytes * ((spec.warmupMs + spec.durationMs) / spec.durationMs);
  const result: ProduceFigures = {
    partitions: spec.partitions,
    batchBytes: spec.batchBytes,
    offeredMbPerSec: spec.rateBytesPerSec === null ? null : spec.rateBytesPerSec / 1e6,
    mbPerSec: mbPerSec(produced.bytes, produced.windowMs),
    recordsPerSec: produced.records / (produced.windowMs / 1000),
    latency: summarize(produced.latencies),
    e2e: summarize(consumed.e2e),
    consumeMbPerSec: mbPerSec(consumed.bytes, consumed.durationMs),
    consumersCaughtUp: consumed.reachedEnd,
    brokerCores: cpu.cpuSeconds / wallS,
    brokerCpuSecPerGB: cpu.cpuSeconds / (totalBytesProduced / 1e9),
    generatorCores: genCpu / wallS,
    backendCores: ctx.env.pids.length > 0 ? backendCpu / wallS : null,
    flushes: flushes.count,
    flushesPerSec: flushes.count / wallS,
    meanFlushObjectBytes: flushes.meanBytes,
    errors: { ...produced.errors, ...Object.fromEntries(Object.entries(consumed.errors).map(([k, v]) => [`fetch:${k}`, v])) },
    lateSends: produced.lateSends,
  };
  if (Object.keys(result.errors).length > 0) ctx.progress.note(`  errors: ${JSON.stringify(result.errors)}`);
  await deleteTopic(ctx.admin, topic.name);
  return result;
}

export async function maxPhase(ctx: RunContext, partitionCounts = ctx.opts.partitions, batchSizes = ctx.opts.batchBytes): Promise<ProduceFigures[]> {
  const out: ProduceFigures[] = [];
  for (const partitions of partitionCounts) {
    for (const batchBytes of batchSizes) {
      out.push(
        await produceRun(ctx, {
          topic: `max-p${partitions}-b${batchBytes}`,
          partitions,
          batchBytes,
          durationMs: ctx.opts.maxRunMs,
          warmupMs: ctx.opts.warmupMs,
          rateBytesPerSec: null,
          stamp: false,
          label: `[${ctx.env.backend}] max  ${String(partitions).padStart(2)}p ${kib(batchBytes)} batches`,
        }),
      );
    }
  }
  return out;
}

export function kib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}
