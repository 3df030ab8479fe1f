/**
 * A cold Fetch (nothing cached) over several partitions, each with several segments, asks the
 * object store for all of them at once instead of one GET after another, reads each segment once,
 * and answers with the records that were produced.
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
const ROUNDS = 3;

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

      // Watch the real store's ranged GETs: how many, and how many at once.
      const store = tb.broker.objects;
      const getRange = store.getRange.bind(store);
      let calls = 0;
      let inFlight = 0;
      let maxInFlight = 0;
      store.getRange = async (key: string, range: ByteRange): Promise<Buffer> => {
        calls++;
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          return await getRange(key, range);
        } finally {
          inFlight--;
        }
      };
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
        store.getRange = getRange;
      }
      assert.equal(calls, PARTITIONS * ROUNDS, 'each segment read once');
      assert.equal(maxInFlight, PARTITIONS * ROUNDS, 'all segments requested before the first arrived');
      await client.close();
    });
  });
}
