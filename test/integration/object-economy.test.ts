/**
 * Objects per second do not grow with partitions: producing to 64 partitions at once writes one
 * object per flush. After the merger, each partition's data sits in per-partition segments, reads
 * across the swap return the same records, and no object is left that no row references.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WireClient } from '../../src/client/wire-client.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { buildBatch } from '../../protocol/records/index.js';
import { readValues } from '../support/read-log.js';
import { BACKENDS, backendSkip, startTestBroker, type TestBroker } from '../support/broker.js';

const PARTITIONS = 64;
const ROUNDS = 5;

for (const backend of BACKENDS) {
  describe(`object economy (${backend})`, async () => {
    const skip = await backendSkip(backend);
    let tb: TestBroker;
    before(async () => {
      if (!skip) tb = await startTestBroker(backend, { defaultPartitions: PARTITIONS, lingerMs: 20, mergeMinSegments: 2 });
    });
    after(async () => {
      if (!skip) await tb.stop();
    });

    it('writes objects at the flush rate, merges runs per partition and leaves no orphan', { skip, timeout: 120_000 }, async () => {
      const clients = await Promise.all([0, 1, 2, 3].map(() => WireClient.connect('127.0.0.1', tb.broker.port)));
      await clients[0].send(ApiKey.Metadata, 12, { topics: [{ name: 'wide' }], allowAutoTopicCreation: true });
      const objectsBefore = (await tb.broker.objects.list('objects/')).length;
      const flushesBefore = tb.broker.logs.writer.stats.objects;
      for (let round = 0; round < ROUNDS; round++) {
        const results = await Promise.all(
          Array.from({ length: PARTITIONS }, (_, p) =>
            clients[p % clients.length].send(ApiKey.Produce, 9, {
              acks: -1, timeoutMs: 10_000,
              topicData: [{ name: 'wide', partitionData: [{ index: p, records: buildBatch({ records: [{ key: null, value: Buffer.from(`r${round}-p${p}`) }] }) }] }],
            }),
          ),
        );
        for (const r of results) assert.equal(r.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
      }
      const flushes = tb.broker.logs.writer.stats.objects - flushesBefore;
      const written = (await tb.broker.objects.list('objects/')).length - objectsBefore;
      assert.equal(written, flushes, 'one object per flush');
      assert.ok(written <= ROUNDS * 4, `${written} objects for ${ROUNDS * PARTITIONS} partition appends`);

      const before = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => readValues(clients[0], 'wide', p)));
      await tb.broker.maintenance.runOnce({ mergeYoung: true });
      const topic = tb.broker.logs.topic('wide')!;
      for (const p of topic.partitions) {
        const segments = [...p.segments()];
        assert.equal(segments.length, 1, `partition ${p.partition} merged into one segment`);
        assert.match(segments[0].objectKey, new RegExp(`^wide/${p.partition}/seg_0{20}\\.`));
      }
      for (const p of topic.partitions) for (const s of p.segments()) tb.broker.logs.cache.evict(s);
      const after = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => readValues(clients[0], 'wide', p)));
      assert.deepEqual(after, before, 'the same records across the swap');
      for (let p = 0; p < PARTITIONS; p++) assert.deepEqual(after[p], Array.from({ length: ROUNDS }, (_, r) => `r${r}-p${p}`));

      // The garbage collector deletes unreferenced objects after its grace period (one interval).
      await tb.broker.maintenance.gc.run(Date.now());
      await tb.broker.maintenance.gc.run(Date.now() + 3_600_001);
      const referenced = new Set<string>();
      for (const t of tb.broker.logs.topics()) for (const p of t.partitions) for (const s of p.segments()) referenced.add(s.objectKey);
      const stored = (await tb.broker.objects.list('')).map((o) => o.key);
      for (const key of stored) assert.ok(referenced.has(key), `object ${key} is referenced by a segment row`);
      assert.equal(stored.length, referenced.size);
      for (const c of clients) await c.close();
    });
  });
}
