/**
 * Pipelined flushes: several flush objects upload at once, commits stay in order, and when one
 * flush fails, the offsets it and the later in-flight flushes handed out are taken back, so the
 * log stays dense and nothing unacknowledged is visible.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { buildBatch, readRecords, splitBatches } from '../../protocol/records/index.js';
import { LogManager } from '../../src/log/log-manager.js';
import { openMetadataStore } from '../../src/metadata/open-metadata-store.js';
import type { MetadataStore } from '../../src/metadata/metadata-store.js';
import { DirectoryObjectStore } from '../../src/objects/directory-object-store.js';
import type { ByteRange, ObjectInfo, ObjectStore } from '../../src/objects/object-store.js';

const log = pino({ level: 'silent' });

/**
 * A directory store whose puts can be delayed, and whose next put holding given bytes fails. By
 * content, not by order: flushes upload concurrently, so their puts may start in any order.
 */
class FlakyStore implements ObjectStore {
  readonly description = 'flaky';
  failPutContaining: Buffer | null = null;
  delayMs = 0;
  puts = 0;
  constructor(private readonly inner: ObjectStore) {}
  async put(key: string, body: Buffer | readonly Buffer[]): Promise<void> {
    this.puts++;
    const marker = this.failPutContaining;
    const fail = marker !== null && (Buffer.isBuffer(body) ? [body] : body).some((b) => b.includes(marker));
    if (fail) this.failPutContaining = null;
    await new Promise((r) => setTimeout(r, this.delayMs));
    if (fail) throw new Error('injected put failure');
    return this.inner.put(key, body);
  }
  get(key: string): Promise<Buffer> {
    return this.inner.get(key);
  }
  getRange(key: string, range: ByteRange): Promise<Buffer> {
    return this.inner.getRange(key, range);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  list(prefix: string): Promise<ObjectInfo[]> {
    return this.inner.list(prefix);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const one = (v: string) => buildBatch({ records: [{ key: null, value: Buffer.from(v) }] });

describe('LogWriter with pipelined flushes', () => {
  let dir: string;
  let metadata: MetadataStore;
  let objects: FlakyStore;
  let logs: LogManager;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sh-writer-'));
    metadata = await openMetadataStore({ dataDir: dir, logger: log });
    objects = new FlakyStore(new DirectoryObjectStore(join(dir, 'objects')));
    logs = new LogManager(
      { writer: { agentId: 'w', lingerMs: 1, flushBytes: 1, maxBufferedBytes: 8 << 20, maxFlushesInFlight: 4 }, cacheBytes: 1 << 20, leaseTtlMs: 60_000, topicDefaults: {} },
      metadata,
      objects,
      log,
    );
    await logs.start();
  });
  after(async () => {
    await logs.close();
    await metadata.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function values(topic: string): Promise<string[]> {
    const p = logs.topic(topic)!.partitions[0];
    if (p.highWatermark === 0n) return [];
    const { batches } = await logs.reader.read(p, 0n, 1 << 30, true);
    return batches.flatMap((s) => splitBatches(s).batches).flatMap((b) => readRecords(b).map((r) => r.value!.toString()));
  }

  it('uploads several flushes at once and commits them in order', async () => {
    const t = await logs.createTopic('piped', 1, {});
    objects.delayMs = 30;
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => logs.append(t, t.partitions[0], [one(`v${i}`)])));
    objects.delayMs = 0;
    assert.deepEqual(results.map((r) => r.baseOffset), [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    assert.deepEqual(await values('piped'), ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7']);
  });

  it('takes back the offsets of later in-flight flushes when one fails', async () => {
    // Runs stored as they are, so that the failing put can be told by the first record's value.
    const t = await logs.createTopic('broken', 1, { 'streamhouse.segment.compression': 'none' });
    const p = t.partitions[0];
    objects.delayMs = 30;
    objects.failPutContaining = Buffer.from('x0-payload');
    const settled = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => logs.append(t, p, [one(`x${i}-payload`)])));
    objects.delayMs = 0;
    assert.equal(settled[0].status, 'rejected', 'the first flush failed');
    const acked = settled.filter((s) => s.status === 'fulfilled').map((s) => (s as PromiseFulfilledResult<{ baseOffset: bigint }>).value.baseOffset);
    // Whatever was acknowledged is dense from 0; nothing else is visible.
    assert.deepEqual(acked, acked.map((_, i) => BigInt(i)));
    assert.equal(p.highWatermark, BigInt(acked.length));
    assert.equal(p.nextOffset, p.highWatermark);
    const after = await logs.append(t, p, [one('after')]);
    assert.equal(after.baseOffset, p.highWatermark - 1n);
    assert.equal((await values('broken')).length, acked.length + 1);
  });
});
