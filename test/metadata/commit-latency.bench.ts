/**
 * commitObject latency, sequential, on the embedded PGlite and on a real PostgreSQL:
 *   node --import tsx test/metadata/commit-latency.bench.ts [iterations]
 * Prints median / p99 / mean per call for 1 run and for 64 runs per commit, and ping() for reference.
 * Uses a fresh sh_test_* database (dropped afterwards) and a temp PGlite directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openMetadataStore } from '../../src/metadata/open-metadata-store.js';
import type { MetadataStore, RunCommit } from '../../src/metadata/metadata-store.js';
import { createTestDatabase, postgresUnavailable } from '../support/postgres.js';

const iterations = Number(process.argv[2] ?? 500);
const logger = pino({ level: 'silent' });

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `median ${q(0.5).toFixed(2)} ms  p99 ${q(0.99).toFixed(2)} ms  mean ${mean.toFixed(2)} ms  (${(1000 / mean).toFixed(0)}/s, n=${s.length})`;
}

async function time(n: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out;
}

async function bench(label: string, store: MetadataStore): Promise<void> {
  const topic = await store.createTopic(`bench-${Date.now()}`, 64, {});
  const hwm = new Array<bigint>(64).fill(0n);
  let k = 0;
  const runFor = (p: number): RunCommit => {
    const base = hwm[p];
    hwm[p] = base + 100n;
    return {
      segment: { topicId: topic.id, partition: p, baseOffset: base, lastOffset: base + 99n, byteStart: p * 16384, byteLength: 16384, rawLength: 16384, format: 'raw', maxTimestamp: 1_700_000_000_000n },
      leaseEpoch: 0,
      expectedHighWatermark: base,
    };
  };
  const commit = async (runs: RunCommit[]) => {
    const out = await store.commitObject({ key: `bench/${process.pid}-${k++}.obj`, size: runs.length * 16384, agentId: 'bench' }, runs);
    if (out.some((o) => o !== 'committed')) throw new Error(`unexpected outcome ${out.join()}`);
  };
  await time(50, () => commit([runFor(0)])); // warm-up
  await time(20, () => commit(Array.from({ length: 64 }, (_, p) => runFor(p))));
  const ping = await time(iterations, () => store.ping());
  const one = await time(iterations, (i) => commit([runFor(i % 64)]));
  const many = await time(Math.ceil(iterations / 2), () => commit(Array.from({ length: 64 }, (_, p) => runFor(p))));
  console.log(`${label}\n  ping (BEGIN/UPDATE/COMMIT)  ${stats(ping)}\n  commitObject, 1 run        ${stats(one)}\n  commitObject, 64 runs      ${stats(many)}`);
}

const dir = await mkdtemp(join(tmpdir(), 'sh-bench-'));
try {
  const lite = await openMetadataStore({ dataDir: dir, logger });
  await bench('embedded PGlite (pglite-socket, unix socket, pool 1)', lite);
  await lite.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
const unavailable = await postgresUnavailable();
if (unavailable !== null) {
  console.log(`PostgreSQL: skipped (${unavailable})`);
} else {
  const tdb = await createTestDatabase();
  try {
    const pg = await openMetadataStore({ databaseUrl: tdb.url, dataDir: dir, logger, poolSize: 1 });
    await bench(`PostgreSQL (${new URL(tdb.url).host}, TCP, pool 1)`, pg);
    await pg.close();
  } finally {
    await tdb.drop();
  }
}
