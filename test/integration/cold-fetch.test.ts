/**
 * A cold Fetch (nothing cached) over several partitions, each with several segments, asks the
 * object store for all of them at once instead of one GET after another, reads each segment once,
 * and answers with the records that were produced; then it loads where the consumer will fetch
 * next, and no further.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WireClient } from '../../src/client/wire-client.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { buildBatch, readRecords, splitBatches } from '../../protocol/records/index.js';
import type { ByteRange } from '../../src/objects/object-store.js';
import { BACKENDS, backendSkip, startTestBroker, type TestBroker } from '../support/broker.js';

const PARTITIONS = 4;
const ROUNDS = 4;

/** Watches the broker's real store: ranged GETs made, and the most at once, until stop(). */
function watchGets(tb: TestBroker): { calls: number; maxInFlight: number; settled: () => Promise<void>; stop: () => void } {
  const store = tb.broker.objects;
  const getRange = store.getRange.bind(store);
  const running = new Set<Promise<Buffer>>();
  const watch = {
    calls: 0,
    maxInFlight: 0,
    settled: async (): Promise<void> => {
      await Promise.allSettled([...running]);
    },
    stop: (): void => {
      store.getRange = getRange;
    },
  };
  store.getRange = (key: string, range: ByteRange): Promise<Buffer> => {
    watch.calls++;
    const p = getRange(key, range);
    running.add(p);
    watch.maxInFlight = Math.max(watch.maxInFlight, running.size);
    const done = (): void => void running.delete(p);
    p.then(done, done);
    return p;
  };
  return watch;
}

for (const backend of BACKENDS) {
  describe(`cold fetch (${backend})`, async () => {
    const skip = await backendSkip(backend);
    let tb: TestBroker;
    before(async () => {
      if (!skip) tb = await startTestBroker(backend, { defaultPartitions: PARTITIONS, lingerMs: 1 });
    });
    after(async () => {
      if (!skip) await tb.stop();
    });

    it('loads every segment it needs at once, each once', { skip, timeout: 60_000 }, async () => {
      const client = await WireClient.connect('127.0.0.1', tb.broker.port);
      await client.send(ApiKey.Metadata, 12, { topics: [{ name: 'cold' }], allowAutoTopicCreation: true });
      for (let round = 0; round < ROUNDS; round++) {
        for (let p = 0; p < PARTITIONS; p++) {
          const res = await client.send(ApiKey.Produce, 9, {
            acks: -1, timeoutMs: 10_000,
            topicData: [{ name: 'cold', partitionData: [{ index: p, records: buildBatch({ records: [{ key: null, value: Buffer.from(`r${round}-p${p}`) }] }) }] }],
          });
          assert.equal(res.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
        }
      }
      const topic = tb.broker.logs.topic('cold')!;
      for (const p of topic.partitions) {
        assert.equal(p.segmentCount, ROUNDS, `partition ${p.partition}: one segment per acknowledged produce`);
        for (const s of p.segments()) tb.broker.logs.cache.evict(s);
      }

      const gets = watchGets(tb);
      try {
        const res = await client.send(ApiKey.Fetch, 12, {
          replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 16 << 20, isolationLevel: 0,
          topics: [{ topic: 'cold', partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })) }],
        });
        for (const part of res.responses[0].partitions) {
          assert.equal(part.errorCode, ErrorCode.NONE);
          const values = splitBatches(part.records!).batches.flatMap((b) => readRecords(b).map((r) => r.value!.toString()));
          assert.deepEqual(values, Array.from({ length: ROUNDS }, (_, r) => `r${r}-p${part.partitionIndex}`));
        }
      } finally {
        gets.stop();
      }
      assert.equal(gets.calls, PARTITIONS * ROUNDS, 'each segment read once');
      assert.equal(gets.maxInFlight, PARTITIONS * ROUNDS, 'all segments requested before the first arrived');
      await client.close();
    });

    it('reads ahead where the consumer will fetch next', { skip, timeout: 60_000 }, async () => {
      const client = await WireClient.connect('127.0.0.1', tb.broker.port);
      const p = tb.broker.logs.topic('cold')!.partitions[0];
      const segments = [...p.segments()];
      for (const s of segments) tb.broker.logs.cache.evict(s);
      const gets = watchGets(tb);
      try {
        // Room for the first segment's batch and not the second's: the read loads both (it must
        // see the second to know it does not fit), the read-ahead the third, where the next
        // fetch (of the same size) will end.
        const partitionMaxBytes = segments[0].rawLength + 1;
        const res = await client.send(ApiKey.Fetch, 12, {
          replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 16 << 20, isolationLevel: 0,
          topics: [{ topic: 'cold', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes }] }],
        });
        const values = splitBatches(res.responses[0].partitions[0].records!).batches.flatMap((b) => readRecords(b).map((r) => r.value!.toString()));
        assert.deepEqual(values, ['r0-p0']);
        await gets.settled();
      } finally {
        gets.stop();
      }
      assert.equal(gets.calls, 3, 'the two segments read, and the one after');
      assert.ok(tb.broker.logs.cache.has(segments[2]), 'the third segment is cached before it is asked for');
      assert.ok(!tb.broker.logs.cache.has(segments[3]), 'no further than one fetch of the consumer ahead');
      await client.close();
    });
  });
}
