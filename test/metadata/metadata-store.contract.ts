/**
 * The MetadataStore contract, written once and run on the embedded PGlite and on a real PostgreSQL
 * (test/metadata/metadata-stores.test.ts). Tests share one store and use their own topic names.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { MetadataStore, RunCommit, SegmentRecord } from '../../src/metadata/metadata-store.js';
import { InvalidPartitionsError, TopicExistsError, UnknownTopicError } from '../../src/metadata/metadata-store.js';

export interface MetadataStoreFixture {
  store: MetadataStore;
  /** Closes the current store and opens the same database again. */
  reopen(): Promise<MetadataStore>;
  /** Drops what the factory made; the store is closed already. */
  cleanup(): Promise<void>;
}

export type MetadataStoreFactory = () => Promise<MetadataStoreFixture>;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function run(topicId: string, partition: number, base: bigint, count: bigint, leaseEpoch = 0, extra: Partial<SegmentRecord> = {}): RunCommit {
  return {
    segment: {
      topicId,
      partition,
      baseOffset: base,
      lastOffset: base + count - 1n,
      byteStart: extra.byteStart ?? 0,
      byteLength: extra.byteLength ?? 100,
      rawLength: extra.rawLength ?? extra.byteLength ?? 100,
      format: extra.format ?? 'raw',
      maxTimestamp: extra.maxTimestamp ?? 1_700_000_000_000n,
    },
    leaseEpoch,
    expectedHighWatermark: base,
  };
}

export function metadataStoreContract(name: string, factory: MetadataStoreFactory): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let fx: MetadataStoreFixture;
    let s: MetadataStore;
    let n = 0;
    const topicName = (what: string): string => `${what}-${++n}`;
    let objN = 0;
    const obj = (size = 1000, agentId = 'agent-a') => ({ key: `objects/${String(++objN).padStart(6, '0')}.obj`, size, agentId });
    const hwm = async (topicId: string, partition: number): Promise<bigint> => {
      const p = (await s.listPartitions(topicId)).find((x) => x.partition === partition);
      assert.ok(p, `partition ${partition} exists`);
      return p.highWatermark;
    };

    before(async () => {
      fx = await factory();
      s = fx.store;
    });
    after(async () => {
      await s.close();
      await fx.cleanup();
    });

    it('migrate is idempotent and ping works', async () => {
      await s.migrate();
      await s.migrate();
      await s.ping();
      await s.ping();
    });

    describe('topics and partitions', () => {
      it('creates, gets and lists topics', async () => {
        const name = topicName('orders');
        const t = await s.createTopic(name, 3, { 'retention.ms': '60000', 'cleanup.policy': 'delete' });
        assert.match(t.id, UUID_RE);
        assert.equal(t.name, name);
        assert.equal(t.partitionCount, 3);
        assert.deepEqual(t.configs, { 'retention.ms': '60000', 'cleanup.policy': 'delete' });
        assert.deepEqual(await s.getTopic(name), t);
        assert.equal(await s.getTopic('no-such-topic'), null);
        const listed = await s.listTopics();
        assert.deepEqual(listed.find((x) => x.name === name), t);
        const names = listed.map((x) => x.name);
        assert.deepEqual(names, [...names].sort());
        const parts = await s.listPartitions(t.id);
        assert.deepEqual(
          parts,
          [0, 1, 2].map((p) => ({ topicId: t.id, topicName: name, partition: p, highWatermark: 0n, logStartOffset: 0n })),
        );
      });

      it('rejects a duplicate name with TopicExistsError and a bad count with InvalidPartitionsError', async () => {
        const name = topicName('dup');
        await s.createTopic(name, 1, {});
        const err = await s.createTopic(name, 2, {}).then(
          () => null,
          (e: unknown) => e,
        );
        assert.ok(err instanceof TopicExistsError);
        assert.equal(err.topic, name);
        assert.equal((await s.getTopic(name))?.partitionCount, 1);
        await assert.rejects(s.createTopic(topicName('zero'), 0, {}), InvalidPartitionsError);
      });

      it('grows partitions with createPartitions; not larger is InvalidPartitionsError', async () => {
        const name = topicName('grow');
        const t = await s.createTopic(name, 2, { a: 'b' });
        await s.commitObject(obj(), [run(t.id, 1, 0n, 4n)]);
        const grown = await s.createPartitions(name, 5);
        assert.deepEqual(grown, { ...t, partitionCount: 5 });
        const parts = await s.listPartitions(t.id);
        assert.deepEqual(
          parts.map((p) => [p.partition, p.highWatermark]),
          [
            [0, 0n],
            [1, 4n],
            [2, 0n],
            [3, 0n],
            [4, 0n],
          ],
        );
        await assert.rejects(s.createPartitions(name, 5), InvalidPartitionsError);
        await assert.rejects(s.createPartitions(name, 3), InvalidPartitionsError);
        await assert.rejects(s.createPartitions('no-such-topic', 3), UnknownTopicError);
        assert.equal((await s.getTopic(name))?.partitionCount, 5);
      });

      it('replaces config overrides', async () => {
        const name = topicName('cfg');
        await s.createTopic(name, 1, { x: '1', y: '2' });
        await s.setTopicConfigs(name, { z: '3' });
        assert.deepEqual((await s.getTopic(name))?.configs, { z: '3' });
        await s.setTopicConfigs(name, {});
        assert.deepEqual((await s.getTopic(name))?.configs, {});
        await assert.rejects(s.setTopicConfigs('no-such-topic', {}), UnknownTopicError);
      });

      it('lists partitions ordered by topic name then partition', async () => {
        const b = await s.createTopic(`zz-b-${++n}`, 2, {});
        const a = await s.createTopic(`zz-a-${n}`, 3, {});
        const all = await s.listPartitions();
        const mine = all.filter((p) => p.topicId === a.id || p.topicId === b.id).map((p) => `${p.topicName}:${p.partition}`);
        assert.deepEqual(mine, [`zz-a-${n}:0`, `zz-a-${n}:1`, `zz-a-${n}:2`, `zz-b-${n}:0`, `zz-b-${n}:1`]);
        const keys = all.map((p) => [p.topicName, p.partition] as const);
        const sorted = [...keys].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] - y[1]));
        assert.deepEqual(keys, sorted);
        assert.deepEqual(await s.listPartitions('00000000-0000-0000-0000-000000000000'), []);
      });

      it('deletes a topic with its partitions, segments and leases', async () => {
        const name = topicName('del');
        const t = await s.createTopic(name, 2, {});
        const o = obj();
        assert.deepEqual(await s.commitObject(o, [run(t.id, 0, 0n, 10n)]), ['committed']);
        assert.ok(await s.acquireLease('agent-a', t.id, 1, 60_000));
        const deleted = await s.deleteTopic(name);
        assert.deepEqual(deleted, t);
        assert.equal(await s.getTopic(name), null);
        assert.deepEqual(await s.listPartitions(t.id), []);
        assert.deepEqual(await s.listSegments(t.id, 0), []);
        assert.equal((await s.listLeases()).filter((l) => l.topicId === t.id).length, 0);
        assert.equal(await s.deleteTopic(name), null);
        // the object is no longer referenced
        assert.ok((await s.listUnreferencedObjects(10_000)).includes(o.key));
        // a commit to the deleted topic reports unknown_partition
        assert.deepEqual(await s.commitObject(obj(), [run(t.id, 0, 10n, 1n)]), ['unknown_partition']);
        // the name can be reused, with a new id
        const again = await s.createTopic(name, 1, {});
        assert.notEqual(again.id, t.id);
      });
    });

    describe('commitObject', () => {
      it('stores runs of every segment format', async () => {
        const t = await s.createTopic(topicName('formats'), 3, {});
        const formats = ['raw', 'lz4', 'lz4-blocks'] as const;
        const runs = formats.map((format, p) => run(t.id, p, 0n, 3n, 0, { byteStart: p * 1000, byteLength: 500, rawLength: format === 'raw' ? 500 : 900, format }));
        assert.deepEqual(await s.commitObject(obj(4096), runs), ['committed', 'committed', 'committed']);
        for (const [p, format] of formats.entries()) assert.equal((await s.listSegments(t.id, p))[0].format, format);
      });

      it('commits runs: segment rows, high watermarks, object record', async () => {
        const t = await s.createTopic(topicName('commit'), 2, {});
        const o = obj(4096);
        const before = Date.now();
        const out = await s.commitObject(o, [
          run(t.id, 0, 0n, 10n, 0, { byteStart: 0, byteLength: 1000, maxTimestamp: 123n }),
          run(t.id, 1, 0n, 5n, 0, { byteStart: 1000, byteLength: 700, rawLength: 2000, format: 'lz4', maxTimestamp: -1n }),
        ]);
        assert.deepEqual(out, ['committed', 'committed']);
        assert.equal(await hwm(t.id, 0), 10n);
        assert.equal(await hwm(t.id, 1), 5n);
        const [seg0] = await s.listSegments(t.id, 0);
        const [seg1] = await s.listSegments(t.id, 1);
        assert.equal(typeof seg0.createdAt, 'number');
        assert.ok(seg0.createdAt >= before - 60_000 && seg0.createdAt <= Date.now() + 60_000, 'createdAt is milliseconds since the epoch');
        assert.deepEqual(seg0, {
          topicId: t.id,
          partition: 0,
          baseOffset: 0n,
          lastOffset: 9n,
          objectKey: o.key,
          byteStart: 0,
          byteLength: 1000,
          rawLength: 1000,
          format: 'raw',
          maxTimestamp: 123n,
          createdAt: seg0.createdAt,
        });
        assert.deepEqual(seg1, {
          topicId: t.id,
          partition: 1,
          baseOffset: 0n,
          lastOffset: 4n,
          objectKey: o.key,
          byteStart: 1000,
          byteLength: 700,
          rawLength: 2000,
          format: 'lz4',
          maxTimestamp: -1n,
          createdAt: seg0.createdAt,
        });
        assert.ok((await s.listObjectKeys()).includes(o.key));
        assert.ok(!(await s.listUnreferencedObjects(10_000)).includes(o.key));
        // the next commit continues from the high watermark
        assert.deepEqual(await s.commitObject(obj(), [run(t.id, 0, 10n, 1n)]), ['committed']);
        assert.deepEqual(
          (await s.listSegments(t.id, 0)).map((x) => [x.baseOffset, x.lastOffset]),
          [
            [0n, 9n],
            [10n, 10n],
          ],
        );
      });

      it('keeps int64 offsets exact beyond 2^53', async () => {
        const t = await s.createTopic(topicName('big'), 1, {});
        // walk the high watermark up with one huge run
        const big = 2n ** 60n + 7n;
        assert.deepEqual(await s.commitObject(obj(), [run(t.id, 0, 0n, big)]), ['committed']);
        assert.deepEqual(await s.commitObject(obj(), [run(t.id, 0, big, 3n, 0, { maxTimestamp: 2n ** 62n + 1n })]), ['committed']);
        assert.equal(await hwm(t.id, 0), big + 3n);
        const segs = await s.listSegments(t.id, 0);
        assert.equal(segs[1].baseOffset, big);
        assert.equal(segs[1].maxTimestamp, 2n ** 62n + 1n);
      });

      it('fences a stale lease epoch and writes no row', async () => {
        const t = await s.createTopic(topicName('fence-epoch'), 1, {});
        const lease = await s.acquireLease('agent-a', t.id, 0, 60_000);
        assert.ok(lease);
        assert.equal(lease.epoch, 1);
        const fencedObj = obj();
        assert.deepEqual(await s.commitObject(fencedObj, [run(t.id, 0, 0n, 5n, 0)]), ['fenced']);
        assert.deepEqual(await s.commitObject(obj(), [run(t.id, 0, 0n, 5n, 2)]), ['fenced']);
        assert.equal(await hwm(t.id, 0), 0n);
        assert.deepEqual(await s.listSegments(t.id, 0), []);
        // the fenced object is recorded but unreferenced (the collector deletes it)
        assert.ok((await s.listUnreferencedObjects(10_000)).includes(fencedObj.key));
        assert.deepEqual(await s.commitObject(obj(), [run(t.id, 0, 0n, 5n, 1)]), ['committed']);
        // a new owner's epoch fences the old one
        const bumped = await s.acquireLease('agent-a', t.id, 0, 60_000, { bumpEpoch: true });
        assert.equal(bumped?.epoch, 2);
        assert.deepEqual(await s.commitObject(obj(), [run(t.id, 0, 5n, 1n, 1)]), ['fenced']);
        assert.deepEqual(await s.commitObject(obj(), [run(t.id, 0, 5n, 1n, 2)]), ['committed']);
        assert.equal(await hwm(t.id, 0), 6n);
      });

      it('fences a moved high watermark and writes no row', async () => {
        const t = await s.createTopic(topicName('fence-hwm'), 1, {});
        assert.deepEqual(await s.commitObject(obj(), [run(t.id, 0, 0n, 5n)]), ['committed']);
        assert.deepEqual(await s.commitObject(obj(), [run(t.id, 0, 0n, 5n)]), ['fenced']);
        assert.deepEqual(await s.commitObject(obj(), [run(t.id, 0, 3n, 5n)]), ['fenced']);
        assert.deepEqual(await s.commitObject(obj(), [run(t.id, 0, 6n, 5n)]), ['fenced']);
        assert.equal(await hwm(t.id, 0), 5n);
        assert.equal((await s.listSegments(t.id, 0)).length, 1);
      });

      it('reports unknown partitions and still commits the other runs', async () => {
        const t = await s.createTopic(topicName('unknown'), 2, {});
        const out = await s.commitObject(obj(), [
          run(t.id, 5, 0n, 1n),
          run(t.id, 0, 0n, 3n),
          run('00000000-0000-0000-0000-000000000000', 0, 0n, 1n),
          run(t.id, 1, 7n, 1n),
        ]);
        assert.deepEqual(out, ['unknown_partition', 'committed', 'unknown_partition', 'fenced']);
        assert.equal(await hwm(t.id, 0), 3n);
        assert.equal(await hwm(t.id, 1), 0n);
      });

      it('commits many runs in one call, incl. consecutive runs of one partition', async () => {
        const t = await s.createTopic(topicName('many'), 64, {});
        const runs: RunCommit[] = [];
        for (let p = 63; p >= 0; p--) runs.push(run(t.id, p, 0n, BigInt(p + 1), 0, { byteStart: p * 10, byteLength: 10 }));
        runs.push(run(t.id, 7, 8n, 2n), run(t.id, 7, 10n, 5n));
        const out = await s.commitObject(obj(), runs);
        assert.deepEqual(out, runs.map(() => 'committed'));
        const parts = await s.listPartitions(t.id);
        for (const p of parts) assert.equal(p.highWatermark, p.partition === 7 ? 15n : BigInt(p.partition + 1));
        assert.deepEqual(
          (await s.listSegments(t.id, 7)).map((x) => [x.baseOffset, x.lastOffset]),
          [
            [0n, 7n],
            [8n, 9n],
            [10n, 14n],
          ],
        );
        // runs of one partition that do not follow each other are judged in order
        const out2 = await s.commitObject(obj(), [run(t.id, 0, 1n, 1n), run(t.id, 0, 50n, 1n), run(t.id, 0, 2n, 2n), run(t.id, 1, 2n, 1n)]);
        assert.deepEqual(out2, ['committed', 'fenced', 'committed', 'committed']);
        assert.equal(await hwm(t.id, 0), 4n);
      });

      it('an object with no runs is recorded and unreferenced', async () => {
        const o = obj();
        assert.deepEqual(await s.commitObject(o, []), []);
        assert.ok((await s.listObjectKeys()).includes(o.key));
        assert.ok((await s.listUnreferencedObjects(10_000)).includes(o.key));
      });

      it('a retried commit of the same object reports committed without duplicating', async () => {
        const t = await s.createTopic(topicName('retry'), 1, {});
        const o = obj();
        const runs = [run(t.id, 0, 0n, 5n)];
        assert.deepEqual(await s.commitObject(o, runs), ['committed']);
        assert.deepEqual(await s.commitObject(o, runs), ['committed']);
        assert.equal(await hwm(t.id, 0), 5n);
        assert.equal((await s.listSegments(t.id, 0)).length, 1);
      });

      it('rejects malformed runs before touching the database', async () => {
        const t = await s.createTopic(topicName('bad'), 1, {});
        const r = run(t.id, 0, 0n, 1n);
        await assert.rejects(s.commitObject(obj(), [{ ...r, expectedHighWatermark: 1n }]), RangeError);
        await assert.rejects(s.commitObject(obj(), [{ ...r, segment: { ...r.segment, lastOffset: -1n } }]), RangeError);
        assert.equal(await hwm(t.id, 0), 0n);
      });

      it('of two concurrent commits expecting the same high watermark exactly one wins', async () => {
        const t = await s.createTopic(topicName('race'), 1, {});
        for (let round = 0; round < 5; round++) {
          const base = await hwm(t.id, 0);
          const results = await Promise.all([
            s.commitObject(obj(1000, 'agent-a'), [run(t.id, 0, base, 3n)]),
            s.commitObject(obj(1000, 'agent-b'), [run(t.id, 0, base, 4n)]),
          ]);
          const outcomes = results.map((r) => r[0]).sort();
          assert.deepEqual(outcomes, ['committed', 'fenced']);
          const winner = results[0][0] === 'committed' ? 3n : 4n;
          assert.equal(await hwm(t.id, 0), base + winner);
        }
        const segs = await s.listSegments(t.id, 0);
        assert.equal(segs.length, 5);
        for (let i = 1; i < segs.length; i++) assert.equal(segs[i].baseOffset, segs[i - 1].lastOffset + 1n);
      });

      it('concurrent commits over overlapping partitions in different orders do not deadlock', async () => {
        const t = await s.createTopic(topicName('deadlock'), 8, {});
        const commits = Array.from({ length: 12 }, async (_, k) => {
          // each writer retries until all its runs are in, reading fresh high watermarks
          const order = k % 2 === 0 ? [0, 1, 2, 3, 4, 5, 6, 7] : [7, 6, 5, 4, 3, 2, 1, 0];
          for (let attempt = 0; attempt < 100; attempt++) {
            const parts = await s.listPartitions(t.id);
            const runs = order.map((p) => run(t.id, p, parts[p].highWatermark, 1n));
            const out = await s.commitObject(obj(10, `agent-${k}`), runs);
            if (out.every((x) => x === 'committed')) return attempt;
            assert.ok(out.every((x) => x === 'fenced'), `partial: ${out.join()}`); // all-or-nothing here: same base per writer
          }
          throw new Error('writer starved');
        });
        await Promise.all(commits);
        for (const p of await s.listPartitions(t.id)) assert.equal(p.highWatermark, 12n);
      });
    });

    describe('replaceSegments, log start offset, unreferenced objects', () => {
      it('replaces segment rows with a merged one, atomically', async () => {
        const t = await s.createTopic(topicName('merge'), 1, {});
        const o1 = obj();
        const o2 = obj();
        await s.commitObject(o1, [run(t.id, 0, 0n, 10n)]);
        await s.commitObject(o2, [run(t.id, 0, 10n, 10n), run(t.id, 0, 20n, 10n)]);
        const merged = obj(3000, 'merger');
        const ok = await s.replaceSegments(
          merged,
          { topicId: t.id, partition: 0, baseOffsets: [0n, 10n] },
          {
            topicId: t.id,
            partition: 0,
            baseOffset: 0n,
            lastOffset: 19n,
            objectKey: merged.key,
            byteStart: 0,
            byteLength: 3000,
            rawLength: 9000,
            format: 'lz4',
            maxTimestamp: 99n,
          },
        );
        assert.equal(ok, true);
        const segs = await s.listSegments(t.id, 0);
        assert.deepEqual(
          segs.map((x) => [x.baseOffset, x.lastOffset, x.objectKey, x.format]),
          [
            [0n, 19n, merged.key, 'lz4'],
            [20n, 29n, o2.key, 'raw'],
          ],
        );
        assert.equal(typeof segs[0].createdAt, 'number');
        const unref = await s.listUnreferencedObjects(10_000);
        assert.ok(unref.includes(o1.key), 'o1 no longer referenced');
        assert.ok(!unref.includes(o2.key), 'o2 still holds 20..29');
        assert.ok(!unref.includes(merged.key));
        assert.equal(await hwm(t.id, 0), 30n);

        // a replaced row that is already gone: false, and nothing changes (not even the object row)
        const merged2 = obj(10, 'merger');
        const ok2 = await s.replaceSegments(
          merged2,
          { topicId: t.id, partition: 0, baseOffsets: [10n, 20n] },
          { ...segs[1], baseOffset: 10n, objectKey: merged2.key },
        );
        assert.equal(ok2, false);
        assert.deepEqual(await s.listSegments(t.id, 0), segs);
        assert.ok(!(await s.listObjectKeys()).includes(merged2.key));
      });

      it('advances the log start offset, never lowers it, and drops segments entirely below', async () => {
        const t = await s.createTopic(topicName('lso'), 1, {});
        await s.commitObject(obj(), [run(t.id, 0, 0n, 10n), run(t.id, 0, 10n, 10n), run(t.id, 0, 20n, 10n)]);
        let p = await s.advanceLogStartOffset(t.id, 0, 15n);
        assert.deepEqual(p, { topicId: t.id, topicName: t.name, partition: 0, highWatermark: 30n, logStartOffset: 15n });
        assert.deepEqual(
          (await s.listSegments(t.id, 0)).map((x) => x.baseOffset),
          [10n, 20n],
        );
        p = await s.advanceLogStartOffset(t.id, 0, 5n);
        assert.equal(p.logStartOffset, 15n, 'never lowered');
        p = await s.advanceLogStartOffset(t.id, 0, 20n);
        assert.equal(p.logStartOffset, 20n);
        assert.deepEqual(
          (await s.listSegments(t.id, 0)).map((x) => x.baseOffset),
          [20n],
        );
        p = await s.advanceLogStartOffset(t.id, 0, 1000n);
        assert.equal(p.logStartOffset, 30n, 'clamped to the high watermark');
        assert.deepEqual(await s.listSegments(t.id, 0), []);
        assert.equal((await s.listPartitions(t.id))[0].logStartOffset, 30n);
        await assert.rejects(s.advanceLogStartOffset(t.id, 9, 1n), UnknownTopicError);
      });

      it('lists unreferenced objects oldest first with a limit and forgets them', async () => {
        const t = await s.createTopic(topicName('gc'), 1, {});
        const keep = obj();
        await s.commitObject(keep, [run(t.id, 0, 0n, 1n)]);
        // drop everything unreferenced so far, then make three new ones
        const old = await s.listUnreferencedObjects(100_000);
        await s.deleteObjectRecords(old);
        assert.deepEqual(await s.listUnreferencedObjects(10), []);
        const a = obj();
        const b = obj();
        const c = obj();
        for (const o of [a, b, c]) {
          await s.commitObject(o, []);
          await sleep(3);
        }
        assert.deepEqual(await s.listUnreferencedObjects(10), [a.key, b.key, c.key]);
        assert.deepEqual(await s.listUnreferencedObjects(2), [a.key, b.key]);
        // referenced keys are left alone by deleteObjectRecords
        await s.deleteObjectRecords([a.key, keep.key]);
        const keys = await s.listObjectKeys();
        assert.ok(!keys.includes(a.key));
        assert.ok(keys.includes(keep.key));
        assert.deepEqual(keys, [...keys].sort());
        await s.deleteObjectRecords([]);
        await s.deleteObjectRecords([b.key, c.key, 'objects/never-recorded']);
        assert.deepEqual(await s.listUnreferencedObjects(10), []);
      });
    });

    describe('agents and leases', () => {
      it('registers agents and records heartbeats', async () => {
        await s.registerAgent({ agentId: 'agent-x', host: '127.0.0.1', port: 9092 });
        const [x1] = (await s.listAgents()).filter((a) => a.agentId === 'agent-x');
        assert.equal(x1.host, '127.0.0.1');
        assert.equal(x1.port, 9092);
        assert.equal(typeof x1.lastHeartbeat, 'number');
        await sleep(5);
        await s.heartbeatAgent('agent-x');
        const [x2] = (await s.listAgents()).filter((a) => a.agentId === 'agent-x');
        assert.ok(x2.lastHeartbeat > x1.lastHeartbeat);
        await s.registerAgent({ agentId: 'agent-x', host: 'h2', port: 9093 });
        const [x3] = (await s.listAgents()).filter((a) => a.agentId === 'agent-x');
        assert.deepEqual([x3.host, x3.port], ['h2', 9093]);
        await s.heartbeatAgent('never-registered');
      });

      it('acquires, conflicts, takes over after expiry and renews', async () => {
        const t = await s.createTopic(topicName('lease'), 2, {});
        const A = `lease-a-${n}`;
        const B = `lease-b-${n}`;
        const l1 = await s.acquireLease(A, t.id, 0, 60_000);
        assert.ok(l1);
        assert.deepEqual({ ...l1, expiresAt: 0 }, { topicId: t.id, partition: 0, agentId: A, epoch: 1, expiresAt: 0 });
        assert.ok(l1.expiresAt > Date.now() + 30_000 && l1.expiresAt < Date.now() + 120_000);
        // ours again: same epoch
        assert.equal((await s.acquireLease(A, t.id, 0, 60_000))?.epoch, 1);
        // another agent while it is live: null
        assert.equal(await s.acquireLease(B, t.id, 0, 60_000), null);
        // short lease, then another agent takes over after expiry with a bumped epoch
        const short = await s.acquireLease(A, t.id, 1, 40);
        assert.equal(short?.epoch, 1);
        assert.equal(await s.acquireLease(B, t.id, 1, 60_000), null);
        await sleep(80);
        const taken = await s.acquireLease(B, t.id, 1, 60_000);
        assert.equal(taken?.agentId, B);
        assert.equal(taken?.epoch, 2);
        // renew extends every lease the agent holds
        await sleep(5);
        assert.equal(await s.renewLeases(A, 120_000), 1);
        assert.equal(await s.renewLeases('agent-nobody', 1000), 0);
        const leases = (await s.listLeases()).filter((l) => l.topicId === t.id);
        assert.deepEqual(
          leases.map((l) => [l.partition, l.agentId, l.epoch]),
          [
            [0, A, 1],
            [1, B, 2],
          ],
        );
        assert.ok(leases[0].expiresAt > l1.expiresAt);
        await assert.rejects(s.acquireLease(A, t.id, 9, 1000), UnknownTopicError);
      });
    });

    describe('consumer offsets', () => {
      it('commits, fetches, overwrites and deletes offsets', async () => {
        const g = `group-${++n}`;
        await s.commitOffsets(g, [
          { topic: 'b', partition: 1, offset: 10n, leaderEpoch: 3, metadata: null },
          { topic: 'a', partition: 0, offset: 2n ** 53n + 1n, leaderEpoch: -1, metadata: 'meta data ✓' },
          { topic: 'b', partition: 0, offset: 0n, leaderEpoch: 0, metadata: '' },
        ]);
        const all = await s.fetchOffsets(g);
        assert.deepEqual(
          all.map((o) => ({ ...o, commitTimestamp: 0 })),
          [
            { topic: 'a', partition: 0, offset: 2n ** 53n + 1n, leaderEpoch: -1, metadata: 'meta data ✓', commitTimestamp: 0 },
            { topic: 'b', partition: 0, offset: 0n, leaderEpoch: 0, metadata: '', commitTimestamp: 0 },
            { topic: 'b', partition: 1, offset: 10n, leaderEpoch: 3, metadata: null, commitTimestamp: 0 },
          ],
        );
        for (const o of all) assert.ok(typeof o.commitTimestamp === 'number' && Math.abs(o.commitTimestamp - Date.now()) < 60_000);
        assert.deepEqual(
          (await s.fetchOffsets(g, ['b'])).map((o) => `${o.topic}:${o.partition}`),
          ['b:0', 'b:1'],
        );
        assert.deepEqual(await s.fetchOffsets(g, ['nope']), []);
        assert.deepEqual(await s.fetchOffsets(g, []), []);
        assert.deepEqual(await s.fetchOffsets('no-such-group'), []);
        // overwrite (the last of duplicates in one call wins)
        await s.commitOffsets(g, [
          { topic: 'b', partition: 1, offset: 11n, leaderEpoch: 4, metadata: 'x' },
          { topic: 'b', partition: 1, offset: 12n, leaderEpoch: 4, metadata: null },
        ]);
        const b1 = (await s.fetchOffsets(g, ['b'])).find((o) => o.partition === 1);
        assert.deepEqual([b1?.offset, b1?.metadata], [12n, null]);
        await s.commitOffsets(g, []);
        assert.ok((await s.listOffsetGroups()).includes(g));
        await s.deleteOffsets(g, [
          { topic: 'b', partition: 0 },
          { topic: 'zzz', partition: 0 },
        ]);
        assert.deepEqual(
          (await s.fetchOffsets(g)).map((o) => `${o.topic}:${o.partition}`),
          ['a:0', 'b:1'],
        );
        await s.deleteOffsets(g, []);
        await s.deleteGroupOffsets(g);
        assert.deepEqual(await s.fetchOffsets(g), []);
        assert.ok(!(await s.listOffsetGroups()).includes(g));
        const groups = await s.listOffsetGroups();
        assert.deepEqual(groups, [...groups].sort());
      });
    });

    describe('producer ids and restarts', () => {
      it('allocates unique producer ids', async () => {
        const ids = await Promise.all(Array.from({ length: 50 }, () => s.allocateProducerId()));
        for (const id of ids) assert.equal(typeof id, 'bigint');
        assert.equal(new Set(ids).size, ids.length);
        for (const id of ids) assert.ok(id >= 0n);
      });

      it('keeps data and producer ids unique across close and reopen', async () => {
        const t = await s.createTopic(topicName('durable'), 2, { k: 'v' });
        await s.commitObject(obj(), [run(t.id, 1, 0n, 42n)]);
        await s.commitOffsets('durable-group', [{ topic: t.name, partition: 1, offset: 40n, leaderEpoch: 1, metadata: 'm' }]);
        const lease = await s.acquireLease('agent-a', t.id, 0, 60_000);
        const before = await Promise.all([s.allocateProducerId(), s.allocateProducerId()]);
        s = await fx.reopen();
        await s.migrate(); // again, on an up-to-date database
        assert.deepEqual(await s.getTopic(t.name), t);
        assert.equal(await hwm(t.id, 1), 42n);
        assert.equal((await s.listSegments(t.id, 1)).length, 1);
        assert.equal((await s.fetchOffsets('durable-group'))[0].offset, 40n);
        assert.deepEqual(
          (await s.listLeases()).find((l) => l.topicId === t.id),
          lease,
        );
        const after = await s.allocateProducerId();
        assert.ok(!before.includes(after));
        assert.ok(after > before[0] && after > before[1]);
      });
    });
  });
}
