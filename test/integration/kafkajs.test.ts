/**
 * kafkajs against the broker on both backends: admin create/list/delete topics, produce with keys
 * and headers (plain and gzip), consume from the beginning through a group, fetch offsets.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, CompressionTypes, type Consumer, type EachMessagePayload } from 'kafkajs';
import { BACKENDS, backendSkip, startTestBroker, type TestBroker } from '../support/broker.js';

for (const backend of BACKENDS) {
  describe(`kafkajs (${backend})`, async () => {
    const skip = await backendSkip(backend);
    let tb: TestBroker;
    let kafka: Kafka;

    before(async () => {
      if (skip) return;
      tb = await startTestBroker(backend, { groupInitialRebalanceDelayMs: 0 });
      kafka = new Kafka({ clientId: 'it', brokers: [tb.broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
    });
    after(async () => {
      if (!skip) await tb.stop();
    });

    it('admin creates, lists, describes and deletes topics', { skip }, async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        assert.equal(await admin.createTopics({ topics: [{ topic: 'adm', numPartitions: 3 }] }), true);
        assert.equal(await admin.createTopics({ topics: [{ topic: 'adm', numPartitions: 3 }] }), false, 'already exists');
        assert.ok((await admin.listTopics()).includes('adm'));
        const md = await admin.fetchTopicMetadata({ topics: ['adm'] });
        assert.equal(md.topics[0].partitions.length, 3);
        await admin.deleteTopics({ topics: ['adm'] });
        assert.ok(!(await admin.listTopics()).includes('adm'));
      } finally {
        await admin.disconnect();
      }
    });

    it('produces with keys and headers and consumes them from the beginning in a group', { skip, timeout: 60_000 }, async () => {
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 2 }] });
      const producer = kafka.producer();
      await producer.connect();
      const sent = Array.from({ length: 40 }, (_, i) => ({ key: `k${i % 4}`, value: `order-${i}`, headers: { seq: String(i) } }));
      await producer.send({ topic: 'orders', messages: sent.slice(0, 20) });
      await producer.send({ topic: 'orders', compression: CompressionTypes.GZIP, messages: sent.slice(20) });
      await producer.disconnect();

      const offsets = await admin.fetchTopicOffsets('orders');
      assert.equal(offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0), 40);

      const consumer: Consumer = kafka.consumer({ groupId: 'readers', sessionTimeout: 10_000 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'orders', fromBeginning: true });
      const received: EachMessagePayload[] = [];
      const done = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async (payload) => {
            received.push(payload);
            if (received.length === sent.length) resolve();
          },
        });
      });
      await done;
      await consumer.disconnect();
      const byValue = new Map(received.map((r) => [r.message.value!.toString(), r]));
      for (const s of sent) {
        const got = byValue.get(s.value);
        assert.ok(got, `received ${s.value}`);
        assert.equal(got.message.key!.toString(), s.key);
        assert.equal(got.message.headers!.seq!.toString(), s.headers.seq);
      }
      // Per key (so per partition), order is kept.
      for (const key of ['k0', 'k1', 'k2', 'k3']) {
        const seq = received.filter((r) => r.message.key!.toString() === key).map((r) => Number(r.message.headers!.seq!.toString()));
        assert.deepEqual(seq, [...seq].sort((a, b) => a - b));
      }
      const committed = await admin.fetchOffsets({ groupId: 'readers', topics: ['orders'] });
      const total = committed[0].partitions.reduce((n, p) => n + Number(p.offset), 0);
      assert.equal(total, 40, 'the group committed everything it consumed');
      await admin.disconnect();
    });

    it('finds offsets by timestamp', { skip }, async () => {
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'timed', numPartitions: 1 }] });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'timed', messages: [{ value: 'old', timestamp: '1000' }, { value: 'new', timestamp: '5000' }] });
      await producer.disconnect();
      const [p] = await admin.fetchTopicOffsetsByTimestamp('timed', 2000);
      assert.equal(p.offset, '1');
      await admin.disconnect();
    });
  });
}
