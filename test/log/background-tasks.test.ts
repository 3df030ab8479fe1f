/**
 * The merge interval's pass goes on, pass after pass, while a pass runs out of budget with work
 * left: a backlog larger than one pass's budget is merged without waiting an interval per pass.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { buildBatch } from '../../protocol/records/index.js';
import { BackgroundTasks } from '../../src/log/background-tasks.js';
import { LogManager } from '../../src/log/log-manager.js';
import { openMetadataStore } from '../../src/metadata/open-metadata-store.js';
import type { MetadataStore } from '../../src/metadata/metadata-store.js';
import { DirectoryObjectStore } from '../../src/objects/directory-object-store.js';

const log = pino({ level: 'silent' });
const PARTITIONS = 5;

describe('BackgroundTasks: merge backlog', () => {
  let dir: string;
  let metadata: MetadataStore;
  let objects: DirectoryObjectStore;
  let logs: LogManager;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sh-background-'));
    metadata = await openMetadataStore({ dataDir: dir, logger: log });
    objects = new DirectoryObjectStore(join(dir, 'objects'));
    logs = new LogManager({ writer: { agentId: 'a', lingerMs: 1, flushBytes: 1 << 20, maxBufferedBytes: 8 << 20, maxFlushesInFlight: 1 }, cacheBytes: 16 << 20, leaseTtlMs: 60_000, topicDefaults: {} }, metadata, objects, log);
    await logs.start();
  });
  after(async () => {
    await logs.close();
    await metadata.close();
    await objects.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs pass after pass until the backlog is merged, not one pass per interval', async () => {
    const t = await logs.createTopic('backlog', PARTITIONS, {});
    for (let round = 0; round < 3; round++) {
      for (const p of t.partitions) await logs.append(t, p, [buildBatch({ records: [{ key: null, value: Buffer.from(`p${p.partition} r${round}`) }] })]);
    }
    assert.ok(t.partitions.every((p) => p.segmentCount === 3));
    // Budget for one merge per pass, and an interval that never comes during the test.
    const tasks = new BackgroundTasks(logs, { mergeMinSegments: 2, mergeIntervalMs: 3_600_000, mergeBufferBytes: 1 << 20, retentionCheckIntervalMs: 3_600_000 }, log, {
      mergePolicy: { minAgeMs: 0, maxBytesPerPass: 1 },
      backlogPauseMs: 1,
    });
    try {
      await tasks.mergeAndCollect();
      assert.equal(tasks.merger.stats.merges, 1, 'one merge in the first pass');
      for (let waited = 0; tasks.merger.stats.merges < PARTITIONS && waited < 10_000; waited += 20) await sleep(20);
      assert.equal(tasks.merger.stats.merges, PARTITIONS);
      assert.ok(t.partitions.every((p) => p.segmentCount === 1));
    } finally {
      await tasks.stop();
    }
  });

  it('queues no further pass once stopped', async () => {
    const t = await logs.createTopic('stopped', 2, {});
    for (let round = 0; round < 2; round++) {
      for (const p of t.partitions) await logs.append(t, p, [buildBatch({ records: [{ key: null, value: Buffer.from(`r${round}`) }] })]);
    }
    const tasks = new BackgroundTasks(logs, { mergeMinSegments: 2, mergeIntervalMs: 3_600_000, mergeBufferBytes: 1 << 20, retentionCheckIntervalMs: 3_600_000 }, log, {
      mergePolicy: { minAgeMs: 0, maxBytesPerPass: 1 },
      backlogPauseMs: 50,
    });
    await tasks.mergeAndCollect();
    await tasks.stop();
    await sleep(150);
    assert.equal(tasks.merger.stats.merges, 1);
    assert.deepEqual(t.partitions.map((p) => p.segmentCount).sort(), [1, 2]);
  });
});
