/**
 * Producer side of the load generator: N WireClient connections replaying pre-encoded Produce v9
 * requests (acks=all). Closed loop (`rateBytesPerSec: null`): each connection keeps `inFlight`
 * requests outstanding, so the offered load is whatever the broker acknowledges. Open loop: requests
 * leave on a fixed schedule whatever the answers, so latency is measured at a known offered load.
 */
import { WireClient } from '../../src/client/wire-client.js';
import { decodeResponse } from '../../protocol/frames.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { cpuSeconds } from '../proc.js';
import { Samples } from '../stats.js';
import type { ProduceJob, ProduceResult } from './messages.js';
import {
  PRODUCE_VERSION,
  encodeProduce,
  makeBatch,
  replayChunks,
  requestPartitions,
  stampedChunks,
  type EncodedRequest,
  type TemplateBatch,
} from './workload.js';

const POOL_BYTES = 4 * 1024 * 1024;
const ERROR_NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([k, v]) => [v as number, k]));

/** Distinct requests for each connection, so segment compression sees realistic, non-repeating data. */
function buildPools(job: ProduceJob): { pools: EncodedRequest[][]; template: TemplateBatch } {
  const batchCount = Math.max(4, Math.ceil(POOL_BYTES / job.batchBytes));
  const batches: TemplateBatch[] = Array.from({ length: batchCount }, () => makeBatch(job.batchBytes, job.recordBytes));
  let nextBatch = 0;
  const pools: EncodedRequest[][] = [];
  for (let c = 0; c < job.connections; c++) {
    const perRequest = Math.max(1, Math.min(job.partitions, Math.floor(job.maxRequestBytes / job.batchBytes)));
    const count = Math.max(4, Math.min(64, Math.ceil(POOL_BYTES / (perRequest * job.batchBytes))));
    const pool = requestPartitions(job.partitions, job.batchBytes, job.maxRequestBytes, c, count).map((ps) => {
      const bs = ps.map(() => batches[nextBatch++ % batches.length].batch);
      return encodeProduce(job.topic, ps, bs, batches[0].records);
    });
    pools.push(pool);
  }
  return { pools, template: batches[0] };
}

function responseErrors(frame: Buffer, errors: Record<string, number>): boolean {
  const res = decodeResponse(ApiKey.Produce, PRODUCE_VERSION, frame).body;
  let ok = true;
  for (const t of res.responses) {
    for (const p of t.partitionResponses) {
      if (p.errorCode !== ErrorCode.NONE) {
        ok = false;
        const name = ERROR_NAMES.get(p.errorCode) ?? String(p.errorCode);
        errors[name] = (errors[name] ?? 0) + 1;
      }
    }
  }
  return ok;
}

export async function runProduce(job: ProduceJob, progress: (bytes: number, records: number) => void): Promise<ProduceResult> {
  const cpu0 = cpuSeconds(process.pid);
  const { pools, template } = buildPools(job);
  const clients = await Promise.all(Array.from({ length: job.connections }, () => WireClient.connect(job.host, job.port, 'streamhouse-bench')));
  const latencies = new Samples();
  const errors: Record<string, number> = {};
  let bytes = 0;
  let records = 0;
  let requests = 0;
  let sentBytes = 0;
  let lateSends = 0;
  let totalAcked = 0;
  let totalAckedRecords = 0;
  const start = performance.now();
  const windowStart = start + (job.stopAfterBytes === null ? job.warmupMs : 0);
  const windowEnd = job.stopAfterBytes === null ? windowStart + job.durationMs : Infinity;
  let stopped = false;
  let lastAck = start;

  const timer = setInterval(() => progress(totalAcked, totalAckedRecords), 500);

  const sendOne = (c: number, req: EncodedRequest): Promise<void> => {
    const sentAt = performance.now();
    sentBytes += req.bytes;
    const chunks = job.stamp ? stampedChunks(req, template.stampAt) : replayChunks(req);
    return clients[c].sendRaw(ApiKey.Produce, PRODUCE_VERSION, chunks).then((frame) => {
      const now = performance.now();
      if (!responseErrors(frame, errors)) return;
      totalAcked += req.bytes;
      totalAckedRecords += req.records;
      // Throughput counts acknowledgements inside the window; latency, requests sent inside it.
      if (sentAt >= windowStart && sentAt < windowEnd) latencies.push(now - sentAt);
      if ((now >= windowStart && now <= windowEnd) || job.stopAfterBytes !== null) {
        bytes += req.bytes;
        records += req.records;
        requests++;
        lastAck = now;
      }
    });
  };

  const shouldStop = (): boolean => {
    if (stopped) return true;
    if (job.stopAfterBytes !== null ? sentBytes >= job.stopAfterBytes : performance.now() >= windowEnd) stopped = true;
    return stopped;
  };

  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>): void => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  if (job.rateBytesPerSec === null) {
    // Closed loop: each connection keeps inFlight requests outstanding.
    await Promise.all(
      clients.map(async (_, c) => {
        let i = 0;
        const pump = async (): Promise<void> => {
          while (!shouldStop()) await sendOne(c, pools[c][i++ % pools[c].length]);
        };
        await Promise.all(Array.from({ length: job.inFlight }, () => pump()));
      }),
    );
  } else {
    // Open loop: one schedule for all connections, round robin.
    const requestBytes = pools[0][0].bytes;
    const intervalMs = (requestBytes / job.rateBytesPerSec) * 1000;
    let k = 0;
    const cursor = new Array<number>(clients.length).fill(0);
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = performance.now();
        while (start + k * intervalMs <= now) {
          if (shouldStop()) return resolve();
          if (now - (start + k * intervalMs) > 1) lateSends++;
          const c = k % clients.length;
          track(sendOne(c, pools[c][cursor[c]++ % pools[c].length]));
          k++;
        }
        if (shouldStop()) return resolve();
        setTimeout(tick, Math.max(0, start + k * intervalMs - performance.now()));
      };
      tick();
    });
    await Promise.all([...inFlight]);
  }
  clearInterval(timer);
  progress(totalAcked, totalAckedRecords);
  await Promise.all(clients.map((c) => c.close()));
  return {
    kind: 'produce-result',
    bytes,
    records,
    requests,
    windowMs: job.stopAfterBytes !== null ? lastAck - start : job.durationMs,
    latencies: latencies.toArray(),
    errors,
    lateSends,
    cpuSeconds: cpuSeconds(process.pid) - cpu0,
  };
}
