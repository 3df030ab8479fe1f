/**
 * Latency at a fixed offered load (OMB's fixed-rate run): the producers send on a schedule at a
 * fraction (50 %) of the max measured for the same workload, each batch stamped with its send
 * time, while M consumers tail: produce latency (send → ack) and end-to-end (send → fetched).
 */
import { produceRun, kib, type ProduceFigures } from './max.js';
import type { RunContext } from '../context.js';

export async function latencyPhase(ctx: RunContext, maxMbPerSec: number): Promise<ProduceFigures> {
  const { opts } = ctx;
  const rate = maxMbPerSec * 1e6 * opts.latencyLoad;
  return produceRun(ctx, {
    topic: `latency-p${opts.latencyPartitions}-b${opts.latencyBatchBytes}`,
    partitions: opts.latencyPartitions,
    batchBytes: opts.latencyBatchBytes,
    durationMs: opts.latencyRunMs,
    warmupMs: opts.warmupMs,
    rateBytesPerSec: rate,
    stamp: true,
    label: `[${ctx.env.backend}] latency ${opts.latencyPartitions}p ${kib(opts.latencyBatchBytes)} @ ${(rate / 1e6).toFixed(1)} MB/s`,
  });
}
