import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { compressFrame } from 'lz4-napi';
import { buildBatch, readRecords, splitBatches } from '../../protocol/records/index.js';
import { LogManager, type LogManagerOptions } from '../../src/log/log-manager.js';
import { openMetadataStore } from '../../src/metadata/open-metadata-store.js';
import type { MetadataStore } from '../../src/metadata/metadata-store.js';
import { DirectoryObjectStore } from '../../src/objects/directory-object-store.js';
import type { ObjectStore } from '../../src/objects/object-store.js';
import { SegmentMerger, type MergePolicy } from '../../src/log/segment-merger.js';
import { BackgroundTasks } from '../../src/log/background-tasks.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { ObjectGarbageCollector } from '../../src/log/object-gc.js';
import { RetentionEnforcer } from '../../src/log/retention.js';
import { decodeFooter } from '../../src/log/object-format.js';
import { partsLength } from '../../src/log/segment-cache.js';

const log = pino({ level: 'silent' });

function options(agentId = 'agent-a'): LogManagerOptions {
  return {
    writer: { agentId, lingerMs: 2, flushBytes: 1 << 20, maxBufferedBytes: 8 << 20, maxFlushesInFlight: 4 },
    cacheBytes: 16 << 20,
    leaseTtlMs: 60_000,
    topicDefaults: {},
  };
}

function batchOf(values: string[], timestamp = BigInt(Date.now())): Buffer {
  return buildBatch({ records: values.map((v, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(v), timestamp: timestamp + BigInt(i) })) });
}

/** A merge policy that merges at once whatever it finds, changed by `o`. */
function policy(o: Partial<MergePolicy>): MergePolicy {
  return { minSegments: 2, maxAgeMs: 1e9, minAgeMs: 0, maxBytesPerPass: 1 << 30, maxGroupBytes: 1 << 30, ...o };
}

async function valuesFrom(logs: LogManager, topic: string, partition: number, from = 0n): Promise<string[]> {
  const p = logs.topic(topic)!.partitions[partition];
  if (from >= p.highWatermark) return [];
  const { batches } = await logs.reader.read(p, from, 1 << 30, true);
  return batches.flatMap((span) => splitBatches(span).batches).flatMap((b) => readRecords(b).filter((r) => r.offset >= from).map((r) => r.value!.toString()));
}

describe('LogManager on PGlite and a directory store', () => {
  let dir: string;
  let metadata: MetadataStore;
  let objects: ObjectStore;
  let logs: LogManager;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sh-log-'));
    metadata = await openMetadataStore({ dataDir: dir, logger: log });
    objects = new DirectoryObjectStore(join(dir, 'objects'));
    logs = new LogManager(options(), metadata, objects, log);
    await logs.start();
  });

  after(async () => {
    await logs.close();
    await metadata.close();
    await objects.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('assigns consecutive offsets across appends and reads them back', async () => {
    const t = await logs.createTopic('orders', 2, {});
    const [a, b] = await Promise.all([
      logs.append(t, t.partitions[0], [batchOf(['a0', 'a1', 'a2'])]),
      logs.append(t, t.partitions[0], [batchOf(['b0']), batchOf(['b1', 'b2'])]),
    ]);
    assert.deepEqual([a.baseOffset, a.lastOffset], [0n, 2n]);
    assert.deepEqual([b.baseOffset, b.lastOffset], [3n, 5n]);
    assert.equal(t.partitions[0].highWatermark, 6n);
    assert.deepEqual(await valuesFrom(logs, 'orders', 0), ['a0', 'a1', 'a2', 'b0', 'b1', 'b2']);
    // From the middle of a batch, the whole batch comes back (the consumer skips what it did not ask for).
    const { batches } = await logs.reader.read(t.partitions[0], 5n, 1 << 20, true);
    assert.equal(batches.length, 1, 'batches of one segment come back as one view');
    assert.equal(readRecords(splitBatches(batches[0]).batches[0])[0].offset, 4n);
  });

  it('caches a request buffer its batches fill as is, and copies batches lost in a larger buffer', async () => {
    const t = await logs.createTopic('views', 2, {});
    // Buffers of their own, as the frames the server assembles (small Buffers share Node's pool).
    const own = (b: Buffer): Buffer => {
      const out = Buffer.allocUnsafeSlow(b.length);
      b.copy(out);
      return out;
    };
    // A produce request's frame: mostly the batches of its partitions.
    const frame = own(Buffer.concat([batchOf(['f0', 'f1']), batchOf(['g0'])]));
    const first = frame.subarray(0, batchOf(['f0', 'f1']).length);
    const second = frame.subarray(first.length);
    // A small batch at the start of a large socket read shared with other requests.
    const small = batchOf(['s0']);
    const read = Buffer.alloc(64 * 1024);
    small.copy(read);
    const lost = read.subarray(0, small.length);
    const [, , third] = await Promise.all([
      logs.append(t, t.partitions[0], [first]),
      logs.append(t, t.partitions[1], [second]),
      logs.append(t, t.partitions[0], [lost]),
      logs.append(t, t.partitions[0], [own(batchOf(['after']))]),
    ]);
    assert.equal(third.baseOffset, 2n);
    const [run] = [...t.partitions[0].segments()];
    const parts = logs.cache.peek(run)!;
    assert.equal(parts.length, 3, 'kept, copied, kept');
    assert.equal(parts[0].buffer, frame.buffer, 'the frame is cached, not a copy of it');
    assert.notEqual(parts[1].buffer, read.buffer, 'the 64 KiB read is not pinned by a small batch');
    assert.ok(logs.cache.sizeBytes >= first.length + second.length + small.length);
    assert.deepEqual(await valuesFrom(logs, 'views', 0), ['f0', 'f1', 's0', 'after']);
    assert.deepEqual(await valuesFrom(logs, 'views', 0, 2n), ['s0', 'after']);
    assert.deepEqual(await valuesFrom(logs, 'views', 1), ['g0']);
    // A fetch with room for two batches takes them from two parts and stops before the third.
    const twoBatches = first.length + small.length;
    const limited = await logs.reader.read(t.partitions[0], 0n, twoBatches, true);
    assert.equal(limited.bytes, twoBatches);
    assert.equal(limited.batches.length, 2);
    for (const seg of t.partitions[0].segments()) logs.cache.evict(seg);
    assert.deepEqual(await valuesFrom(logs, 'views', 0), ['f0', 'f1', 's0', 'after'], 'the object holds the same run');
  });

  it('writes one object per flush for many partitions at once', async () => {
    const t = await logs.createTopic('wide', 64, {});
    const before = (await objects.list('objects/')).length;
    await Promise.all(t.partitions.map((p, i) => logs.append(t, p, [batchOf([`v${i}`])])));
    const after = await objects.list('objects/');
    assert.equal(after.length - before, 1, 'all 64 partitions share one flush object');
    const newest = after[after.length - 1];
    const footer = decodeFooter(await objects.get(newest.key));
    assert.equal(footer.length, 64);
    for (let i = 0; i < 64; i++) assert.deepEqual(await valuesFrom(logs, 'wide', i), [`v${i}`]);
  });

  it('serves cold reads from the object store with the same bytes as the cache', async () => {
    const t = logs.topic('orders')!;
    const p = t.partitions[0];
    const hot = await logs.reader.read(p, 0n, 1 << 20, true);
    for (const seg of p.segments()) logs.cache.evict(seg);
    const misses = logs.cache.misses;
    const cold = await logs.reader.read(p, 0n, 1 << 20, true);
    assert.ok(logs.cache.misses > misses);
    assert.deepEqual(Buffer.concat(cold.batches), Buffer.concat(hot.batches));
  });

  it('prefetches the segments a read will walk, within the byte budget, and only those not cached', async () => {
    const t = await logs.createTopic('prefetch', 1, {});
    const p = t.partitions[0];
    for (let i = 0; i < 3; i++) await logs.append(t, p, [batchOf([`p${i}`])]);
    const segments = [...p.segments()];
    assert.equal(segments.length, 3, 'one segment per awaited append');
    const hot = await logs.reader.read(p, 0n, 1 << 20, true);
    for (const seg of segments) logs.cache.evict(seg);
    const read = { partition: p, fetchOffset: 0n, maxBytes: 1 << 20 };
    assert.equal(logs.reader.prefetch([read], 1), segments[0].rawLength, 'a budget of 1 byte still starts the first segment, and only it');
    assert.equal(logs.reader.prefetch([{ ...read, maxBytes: 1 }], 1 << 20), 0, 'the first segment is already loading');
    const rest = segments.slice(1).reduce((n, s) => n + s.rawLength, 0);
    assert.equal(logs.reader.prefetch([read], 1 << 20), rest, 'the others are started, the first not again');
    const cold = await logs.reader.read(p, 0n, 1 << 20, true);
    assert.deepEqual(Buffer.concat(cold.batches), Buffer.concat(hot.batches));
    assert.equal(logs.reader.prefetch([read], 1 << 20), 0, 'nothing left to load');
  });

  it('honours max bytes but always returns at least one whole batch', async () => {
    const p = logs.topic('orders')!.partitions[0];
    const one = await logs.reader.read(p, 0n, 1, true);
    assert.equal(one.batches.length, 1);
    const none = await logs.reader.read(p, 0n, 1, false);
    assert.equal(none.batches.length, 0);
    for (const b of one.batches) assert.equal(splitBatches(b).batches.length, 1);
  });

  it('restarts with everything it acknowledged', async () => {
    await logs.close();
    logs = new LogManager(options(), metadata, objects, log);
    await logs.start();
    assert.deepEqual(await valuesFrom(logs, 'orders', 0), ['a0', 'a1', 'a2', 'b0', 'b1', 'b2']);
    const t = logs.topic('orders')!;
    const r = await logs.append(t, t.partitions[0], [batchOf(['c0'])]);
    assert.equal(r.baseOffset, 6n);
  });

  it('fences a writer whose lease was taken over', async () => {
    const t = await logs.createTopic('fenced', 1, {});
    const p = t.partitions[0];
    await logs.append(t, p, [batchOf(['x'])]);
    p.leaseEpoch = (p.leaseEpoch ?? 0) - 1; // as if another agent had bumped the epoch since
    await assert.rejects(logs.append(t, p, [batchOf(['y'])]), (err: Error & { reason?: string }) => err.reason === 'fenced');
    assert.equal(p.highWatermark, 1n);
    assert.deepEqual(await valuesFrom(logs, 'fenced', 0), ['x']);
  });

  it('merges small runs into a per-partition segment, reads the same records, and collects the old objects', async () => {
    const t = await logs.createTopic('merge-me', 2, {});
    for (let i = 0; i < 6; i++) {
      await Promise.all([logs.append(t, t.partitions[0], [batchOf([`m${i}`])]), logs.append(t, t.partitions[1], [batchOf([`n${i}`])])]);
    }
    const beforeMerge = await valuesFrom(logs, 'merge-me', 0);
    assert.equal(t.partitions[0].segmentCount, 6);
    const merger = new SegmentMerger(logs, policy({ minSegments: 4 }), log);
    await merger.run();
    assert.equal(t.partitions[0].segmentCount, 1);
    const [seg] = [...t.partitions[0].segments()];
    assert.match(seg.objectKey, /^merge-me\/0\/seg_00000000000000000000\..+\.bin$/);
    for (const s of t.partitions[0].segments()) logs.cache.evict(s);
    assert.deepEqual(await valuesFrom(logs, 'merge-me', 0), beforeMerge);
    assert.deepEqual(await valuesFrom(logs, 'merge-me', 1), ['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);

    const gc = new ObjectGarbageCollector(metadata, objects, 0, log);
    await gc.run(1); // first sighting starts the grace period
    await gc.run(2);
    const keys = new Set((await objects.list('')).map((o) => o.key));
    const recorded = new Set(await metadata.listObjectKeys());
    for (const k of keys) assert.ok(recorded.has(k), `object ${k} has no row`);
    for (const k of await metadata.listUnreferencedObjects(100)) assert.fail(`unreferenced object left: ${k}`);
    // Every object left is referenced by a segment row of some partition.
    const referenced = new Set<string>();
    for (const topic of logs.topics()) for (const p of topic.partitions) for (const s of p.segments()) referenced.add(s.objectKey);
    for (const k of keys) assert.ok(referenced.has(k), `object ${k} not referenced`);
  });

  it('leaves young runs alone, and caches a merged segment only in place of cached runs', async () => {
    const t = await logs.createTopic('young', 2, {});
    for (let i = 0; i < 4; i++) {
      await Promise.all([logs.append(t, t.partitions[0], [batchOf([`y${i}`])]), logs.append(t, t.partitions[1], [batchOf([`z${i}`])])]);
    }
    const merger = new SegmentMerger(logs, policy({ minAgeMs: 60_000 }), log);
    await merger.run();
    assert.equal(t.partitions[0].segmentCount, 4, 'runs younger than minAgeMs are not merged');
    const cachedBytes = [...t.partitions[0].segments()].reduce((n, s) => n + partsLength(logs.cache.peek(s)!), 0);
    for (const s of t.partitions[1].segments()) logs.cache.evict(s); // partition 1's runs are cold
    await merger.run(Date.now() + 60_000);
    const [hot] = [...t.partitions[0].segments()];
    const [cold] = [...t.partitions[1].segments()];
    assert.equal(t.partitions[0].segmentCount, 1);
    assert.equal(t.partitions[1].segmentCount, 1);
    assert.equal(partsLength(logs.cache.peek(hot) ?? []), cachedBytes, 'the merged segment takes the cached runs\' place');
    assert.equal(logs.cache.peek(cold), undefined, 'merging cold runs does not fill the cache');
    const misses = logs.cache.misses;
    assert.deepEqual(await valuesFrom(logs, 'young', 0), ['y0', 'y1', 'y2', 'y3']);
    assert.equal(logs.cache.misses, misses, 'read from memory');
    assert.deepEqual(await valuesFrom(logs, 'young', 1), ['z0', 'z1', 'z2', 'z3']);
  });

  it('reads cold runs into one buffer reused from merge to merge, and never caches bytes from it', async () => {
    const t = await logs.createTopic('scratch', 3, { 'streamhouse.segment.compression': 'none' });
    for (let i = 0; i < 4; i++) {
      await Promise.all([0, 1, 2].map((k) => logs.append(t, t.partitions[k], [batchOf([`p${k}-${i}`.padEnd(300, '.')])])));
    }
    for (const p of t.partitions) for (const s of p.segments()) logs.cache.evict(s); // every run is cold
    const into = new Set<ArrayBufferLike>();
    const getRange = objects.getRange.bind(objects);
    const put = objects.put.bind(objects);
    objects.getRange = async (key, range, target) => {
      if (target) into.add(target.buffer);
      return getRange(key, range, target);
    };
    // While partition 0's merge uploads, a consumer reads its runs into the cache. The merged
    // segment must still stay out of the cache: its bytes are in the buffer the next merge reuses.
    objects.put = async (key, body) => {
      if (key.startsWith('scratch/0/')) await valuesFrom(logs, 'scratch', 0);
      return put(key, body);
    };
    try {
      await new SegmentMerger(logs, policy({ minSegments: 4 }), log).run();
    } finally {
      objects.getRange = getRange;
      objects.put = put;
    }
    assert.deepEqual(t.partitions.map((p) => p.segmentCount), [1, 1, 1]);
    assert.equal(into.size, 1, 'the three merges read their runs into the same memory');
    assert.equal(logs.cache.peek([...t.partitions[0].segments()][0]), undefined, 'the merged segment is not cached');
    for (const k of [0, 1, 2]) {
      assert.deepEqual(await valuesFrom(logs, 'scratch', k), [0, 1, 2, 3].map((i) => `p${k}-${i}`.padEnd(300, '.')));
    }
  });

  it('reads a merge\'s cold runs several at a time (at most 8), each into its place', async () => {
    const t = await logs.createTopic('merge-parallel', 1, { 'streamhouse.segment.compression': 'none' });
    const values = Array.from({ length: 24 }, (_, i) => `m${i}`.padEnd(250, '.'));
    for (const v of values) await logs.append(t, t.partitions[0], [batchOf([v])]);
    for (const s of t.partitions[0].segments()) logs.cache.evict(s);
    const getRange = objects.getRange.bind(objects);
    let reading = 0;
    let most = 0;
    let failOn: number | null = 5;
    let calls = 0;
    objects.getRange = async (key, range, target) => {
      const call = calls++;
      reading++;
      most = Math.max(most, reading);
      try {
        await sleep(5);
        if (call === failOn) throw new Error('read failed');
        return await getRange(key, range, target);
      } finally {
        reading--;
      }
    };
    try {
      // A failed read fails the merge, after the reads under way have ended, and changes nothing.
      await assert.rejects(new SegmentMerger(logs, policy({}), log).run(), /read failed/);
      assert.equal(reading, 0, 'no read is left running into the scratch buffer');
      assert.equal(t.partitions[0].segmentCount, 24);
      failOn = null;
      most = 0;
      await new SegmentMerger(logs, policy({}), log).run();
    } finally {
      objects.getRange = getRange;
    }
    assert.equal(t.partitions[0].segmentCount, 1);
    assert.ok(most > 1 && most <= 8, `reads in flight at most: ${most}`);
    for (const s of t.partitions[0].segments()) logs.cache.evict(s);
    assert.deepEqual(await valuesFrom(logs, 'merge-parallel', 0), values);
  });

  it('bounds what one merge holds in memory, whatever segment.bytes says (half for LZ4 segments)', async () => {
    const big = { 'segment.bytes': String(1 << 30) };
    const raw = await logs.createTopic('merge-bounded', 1, { ...big, 'streamhouse.segment.compression': 'none' });
    const lz4 = await logs.createTopic('merge-bounded-lz4', 1, { ...big, 'streamhouse.segment.compression': 'lz4' });
    for (let i = 0; i < 6; i++) {
      await logs.append(raw, raw.partitions[0], [batchOf([`b${i}`.padEnd(200, '.')])]);
      await logs.append(lz4, lz4.partitions[0], [batchOf([`c${i}`.padEnd(200, '.')])]);
    }
    const runBytes = [...raw.partitions[0].segments()][0].rawLength;
    assert.ok([...raw.partitions[0].segments()].every((s) => s.rawLength === runBytes));
    // Room for two runs and a half: raw runs merge in pairs; LZ4 ones (half the room) stay single.
    const merger = new SegmentMerger(logs, policy({ maxGroupBytes: Math.floor(runBytes * 2.5) }), log);
    await merger.run();
    assert.deepEqual([...raw.partitions[0].segments()].map((s) => s.rawLength), [2 * runBytes, 2 * runBytes, 2 * runBytes]);
    assert.equal(lz4.partitions[0].segmentCount, 6);
    // With twice the room, LZ4 runs merge in pairs too.
    await new SegmentMerger(logs, policy({ maxGroupBytes: runBytes * 5 }), log).run();
    assert.equal(lz4.partitions[0].segmentCount, 3);
    for (const t of [raw, lz4]) for (const s of t.partitions[0].segments()) logs.cache.evict(s);
    assert.deepEqual(await valuesFrom(logs, 'merge-bounded', 0), [0, 1, 2, 3, 4, 5].map((i) => `b${i}`.padEnd(200, '.')));
    assert.deepEqual(await valuesFrom(logs, 'merge-bounded-lz4', 0), [0, 1, 2, 3, 4, 5].map((i) => `c${i}`.padEnd(200, '.')));
  });

  it('stores LZ4 topics as LZ4 blocks, merges and reads them cold, and still reads segments written as one LZ4 frame', async () => {
    const t = await logs.createTopic('blocks', 1, { 'streamhouse.segment.compression': 'lz4' });
    const p = t.partitions[0];
    const values = Array.from({ length: 40 }, (_, i) => `event ${i} `.padEnd(3000, 'abc'));
    for (let i = 0; i < 4; i++) await logs.append(t, p, [batchOf(values.slice(i * 10, i * 10 + 10))]);
    const runs = [...p.segments()];
    assert.equal(runs.length, 4);
    for (const s of runs) {
      assert.equal(s.format, 'lz4-blocks');
      assert.ok(s.byteLength < s.rawLength / 4, `stored ${s.byteLength} of ${s.rawLength} bytes`);
      logs.cache.evict(s);
    }
    assert.deepEqual(await valuesFrom(logs, 'blocks', 0), values);

    await new SegmentMerger(logs, policy({}), log).run();
    const [merged] = [...p.segments()];
    assert.equal(p.segmentCount, 1);
    assert.equal(merged.format, 'lz4-blocks');
    logs.cache.evict(merged);
    assert.deepEqual(await valuesFrom(logs, 'blocks', 0), values);

    // A segment as earlier versions wrote it (one LZ4 frame) in place of the merged one.
    const raw = Buffer.concat(await logs.reader.segmentBytes(merged, { cache: false }));
    const frame = await compressFrame(raw);
    const key = `legacy/${merged.objectKey}`;
    await objects.put(key, frame);
    const legacy = { ...merged, objectKey: key, byteStart: 0, byteLength: frame.length, format: 'lz4' as const };
    assert.ok(await metadata.replaceSegments({ key, size: frame.length, agentId: 'agent-a' }, { topicId: p.topicId, partition: 0, baseOffsets: [merged.baseOffset] }, legacy));
    p.removeSegment(merged.baseOffset);
    p.addSegment({ ...legacy, createdAt: Date.now() });
    assert.deepEqual(await valuesFrom(logs, 'blocks', 0), values);
  });

  it('retention by bytes raises the log start offset past whole segments', async () => {
    const t = await logs.createTopic('retained', 1, { 'retention.bytes': '1' });
    for (let i = 0; i < 3; i++) await logs.append(t, t.partitions[0], [batchOf([`r${i}`])]);
    const retention = new RetentionEnforcer(logs, log);
    await retention.run();
    const p = t.partitions[0];
    assert.equal(p.logStartOffset, 2n, 'keeps only the newest segment');
    assert.deepEqual(await valuesFrom(logs, 'retained', 0, 2n), ['r2']);
  });

  // The merge interval's pass goes on, pass after pass, while a pass runs out of budget with
  // work left: a backlog larger than one pass's budget needs no interval per pass.
  it('background merges run pass after pass until a backlog is merged, not one pass per interval', async () => {
    const t = await logs.createTopic('backlog', 5, {});
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
      // Later passes also merge what earlier tests left; this topic's five merges are among them.
      const merged = () => t.partitions.every((p) => p.segmentCount === 1);
      for (let waited = 0; !merged() && waited < 10_000; waited += 20) await sleep(20);
      assert.ok(merged(), `segments per partition: ${t.partitions.map((p) => p.segmentCount)}`);
      assert.ok(tasks.merger.stats.merges >= 5);
    } finally {
      await tasks.stop();
    }
  });

  it('background merges queue no further pass once stopped', async () => {
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
    assert.equal(tasks.merger.stats.merges, 1, 'the pass left work, but nothing followed it');
    assert.equal(t.partitions.reduce((n, p) => n + p.segmentCount, 0), 3);
  });
});
