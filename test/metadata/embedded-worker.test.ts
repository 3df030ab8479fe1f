/**
 * The embedded PGlite runs in a worker_thread: commits do not block the main thread's event loop,
 * a dead worker makes queries fail at once (no hang), start failures reject, and the TCP fallback
 * (data directory too long for a unix socket path) works.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { openMetadataStore } from '../../src/metadata/open-metadata-store.js';
import { embeddedWorker, startEmbeddedPostgres } from '../../src/metadata/embedded-postgres.js';
import { connect } from '../../src/metadata/pg.js';
import type { MetadataStore } from '../../src/metadata/metadata-store.js';

const logger = pino({ level: 'silent' });
const firstStartChild = fileURLToPath(new URL('./fixtures/first-start-child.ts', import.meta.url));

/**
 * Longest gap between ticks of a 1 ms interval while `fn` runs, and the event-loop utilization (the
 * share of that time the main thread was busy rather than waiting: 1.00 when PGlite ran on it).
 */
async function longestTickGap(fn: () => Promise<void>): Promise<{ maxGapMs: number; ticks: number; ms: number; elu: number }> {
  let last = performance.now();
  let maxGap = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 1);
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  const ms = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  maxGap = Math.max(maxGap, performance.now() - last);
  return { maxGapMs: maxGap, ticks, ms, elu };
}

async function commitBurst(store: MetadataStore, topicId: string, from: bigint, n: number): Promise<bigint> {
  let hwm = from;
  for (let i = 0; i < n; i++) {
    const out = await store.commitObject({ key: `objects/burst-${hwm}.obj`, size: 10, agentId: 'burst' }, [
      {
        segment: { topicId, partition: 0, baseOffset: hwm, lastOffset: hwm + 9n, byteStart: 0, byteLength: 10, rawLength: 10, format: 'raw', maxTimestamp: -1n },
        leaseEpoch: 0,
        expectedHighWatermark: hwm,
      },
    ]);
    assert.equal(out[0], 'committed');
    hwm += 10n;
  }
  return hwm;
}

/** Peak and current RSS of a process that opens the embedded store in `dataDir` and creates a topic. */
function memoryOfAStart(dataDir: string): { peakMB: number; rssMB: number } {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // else the child takes itself for a test file of this run
  const child = spawnSync(process.execPath, ['--import', 'tsx', firstStartChild, dataDir], { encoding: 'utf8', env, timeout: 60_000 });
  const m = /^hwm (\d+) rss (\d+)$/m.exec(child.stdout);
  assert.ok(m, `child printed no memory figures (exit ${child.status ?? child.signal}): ${child.stderr}`);
  return { peakMB: Math.round(Number(m[1]) / 1024), rssMB: Math.round(Number(m[2]) / 1024) };
}

describe('embedded PGlite in a worker thread', () => {
  it('does not block the main event loop during a burst of 200 commits', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sh-loop-'));
    const store = await openMetadataStore({ dataDir, logger });
    try {
      const topic = await store.createTopic('loop', 1, {});
      let hwm = await commitBurst(store, topic.id, 0n, 20); // warm-up
      const idle = await longestTickGap(() => new Promise((r) => setTimeout(r, 500)));
      const burst = await longestTickGap(async () => {
        hwm = await commitBurst(store, topic.id, hwm, 200);
      });
      console.log(
        `event loop, 1 ms interval: idle 500 ms → longest gap ${idle.maxGapMs.toFixed(1)} ms (${idle.ticks} ticks); ` +
          `200 commits in ${burst.ms.toFixed(0)} ms (${(burst.ms / 200).toFixed(2)} ms each) → longest gap ${burst.maxGapMs.toFixed(1)} ms ` +
          `(${burst.ticks} ticks), main-thread utilization ${burst.elu.toFixed(2)}`,
      );
      assert.equal((await store.listPartitions(topic.id))[0].highWatermark, hwm);
      assert.ok(burst.maxGapMs < 100, `longest event-loop gap during the burst: ${burst.maxGapMs.toFixed(1)} ms`);
      // PGlite on the main thread kept it busy the whole burst (1.00); waiting on the worker, it idles most of it.
      assert.ok(burst.elu < 0.9, `main-thread utilization during the burst: ${burst.elu.toFixed(2)}`);
    } finally {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('fails queries at once when the worker dies, closes anyway, and reopens with the committed data', { timeout: 60_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sh-dead-'));
    try {
      const embedded = await startEmbeddedPostgres(dataDir, { logger });
      const db = connect({ connection: embedded.connection, max: embedded.poolSize });
      await db.none('CREATE TABLE t (n int8)');
      await db.none('INSERT INTO t VALUES (42)');
      const worker = embeddedWorker(embedded);
      assert.ok(worker);
      const inFlight = db.one('SELECT pg_sleep(2) AS s').then(
        () => 'resolved',
        (err: Error) => err.message,
      );
      await new Promise((r) => setTimeout(r, 100));
      await worker.terminate();
      const t0 = performance.now();
      assert.notEqual(await inFlight, 'resolved');
      await assert.rejects(db.one('SELECT 1'));
      await assert.rejects(db.one('SELECT 1'));
      const ms = performance.now() - t0;
      assert.ok(ms < 2000, `queries failed after ${ms.toFixed(0)} ms`);
      await db.$pool.end();
      await embedded.close(); // resolves: the worker is gone already
      await assert.rejects(stat(join(dataDir, 'streamhouse.lock')), { code: 'ENOENT' });

      const again = await startEmbeddedPostgres(dataDir, { logger });
      const db2 = connect({ connection: again.connection, max: again.poolSize });
      try {
        assert.equal((await db2.one<{ n: bigint }>('SELECT n FROM t')).n, 42n);
        // Sized for metadata, not PostgreSQL's 128 MB default (most of the broker's idle memory).
        assert.equal((await db2.one<{ shared_buffers: string }>('SHOW shared_buffers')).shared_buffers, '16MB');
      } finally {
        await db2.$pool.end();
        await again.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('rejects when PGlite cannot start, and releases the lock', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sh-bad-'));
    try {
      await writeFile(join(dataDir, 'data'), 'not a directory');
      await assert.rejects(startEmbeddedPostgres(dataDir, { logger }));
      await assert.rejects(stat(join(dataDir, 'streamhouse.lock')), { code: 'ENOENT' });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('creates a data directory without holding initdb\'s memory in the broker process', { timeout: 120_000, skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
    // initdb peaks at ~770 MB and, run in a thread of the broker, left ~130 MB behind for good; a
    // process that creates the directory should hold about what one that reopens it does.
    const dataDir = await mkdtemp(join(tmpdir(), 'sh-first-'));
    try {
      const first = memoryOfAStart(dataDir);
      const reopen = memoryOfAStart(dataDir);
      const detail = `first start: peak ${first.peakMB} MB, RSS ${first.rssMB} MB; reopening: peak ${reopen.peakMB} MB, RSS ${reopen.rssMB} MB`;
      assert.ok(first.peakMB < reopen.peakMB + 100, detail);
      assert.ok(first.rssMB < reopen.rssMB + 60, detail);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('serves on 127.0.0.1 when the data directory is too long for a unix socket path', { timeout: 60_000 }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'sh-long-'));
    const dataDir = join(root, 'x'.repeat(60), 'y'.repeat(60));
    try {
      await mkdir(dataDir, { recursive: true });
      const store = await openMetadataStore({ dataDir, logger });
      try {
        await store.createTopic('long', 1, {});
        assert.equal((await store.getTopic('long'))?.partitionCount, 1);
      } finally {
        await store.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
