/**
 * Consumer groups, committed offsets and the idempotent producer with kafkajs, on both backends:
 * two consumers split a topic, the group resumes from its committed offsets after everyone left,
 * admin setOffsets/fetchOffsets/describeGroups/listGroups/deleteGroups.
 *
 * Skipped (with a message) while the registry does not serve the group APIs yet.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AssignerProtocol, Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { handlers } from '../../src/handlers/index.js';
import { BACKENDS, backendSkip, startTestBroker, type TestBroker } from '../support/broker.js';

const GROUP_APIS = [ApiKey.FindCoordinator, ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.Heartbeat, ApiKey.OffsetCommit, ApiKey.OffsetFetch, ApiKey.InitProducerId];
const notServed = GROUP_APIS.filter((k) => !handlers.has(k));
const registrySkip: string | false = notServed.length > 0 ? `group APIs ${notServed.join(', ')} are not registered in src/handlers/index.ts yet` : false;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Received {
  consumer: string;
  partition: number;
  offset: string;
  value: string;
}

for (const backend of BACKENDS) {
  describe(`consumer groups with kafkajs (${backend})`, async () => {
    const skip = registrySkip || (await backendSkip(backend));
    let tb: TestBroker;
    let kafka: Kafka;

    before(async () => {
      if (skip) return;
      tb = await startTestBroker(backend, { groupInitialRebalanceDelayMs: 0 });
      kafka = new Kafka({ clientId: 'groups-it', brokers: [tb.broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    });
    after(async () => {
      if (!skip) await tb.stop();
    });

    function consumerIn(groupId: string, name: string, received: Received[]): { consumer: Consumer; started: Promise<void> } {
      const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, rebalanceTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
      const started = (async () => {
        await consumer.connect();
        await consumer.subscribe({ topic: 'split', fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ partition, message }: EachMessagePayload) => {
            received.push({ consumer: name, partition, offset: message.offset, value: message.value!.toString() });
          },
        });
      })();
      return { consumer, started };
    }

    it('two consumers split a topic; after they leave, the group resumes from its committed offsets; DeleteGroups forgets them', { skip, timeout: 90_000 }, async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic: 'split', numPartitions: 4 }] });
        const groupId = 'splitters';
        const received: Received[] = [];
        const a = consumerIn(groupId, 'a', received);
        await a.started;
        const b = consumerIn(groupId, 'b', received);
        await b.started;

        // Both members hold two partitions each once the rebalance settles.
        const assignments = async (): Promise<Map<string, number[]>> => {
          const { groups } = await admin.describeGroups([groupId]);
          const out = new Map<string, number[]>();
          if (groups[0].state !== 'Stable') return out;
          for (const m of groups[0].members) {
            const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
            out.set(m.memberId, decoded?.assignment.split ?? []);
          }
          return out;
        };
        await until('a Stable group of two members with two partitions each', async () => {
          const m = await assignments();
          return m.size === 2 && [...m.values()].every((p) => p.length === 2);
        });
        const described = (await admin.describeGroups([groupId])).groups[0];
        assert.equal(described.protocolType, 'consumer');
        assert.ok(described.members.every((m) => m.clientId === 'groups-it' && m.clientHost.startsWith('/')));

        // An idempotent producer (InitProducerId) writes 40 keyed messages over the 4 partitions.
        const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        const first = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `first-${i}`, partition: i % 4 }));
        await producer.send({ topic: 'split', messages: first });
        await until('every message consumed', () => new Set(received.map((r) => r.value)).size === 40);
        const partitionsOf = (name: string) => new Set(received.filter((r) => r.consumer === name).map((r) => r.partition));
        assert.equal(partitionsOf('a').size, 2, 'a read two partitions');
        assert.equal(partitionsOf('b').size, 2, 'b read two partitions');
        assert.deepEqual([...partitionsOf('a')].filter((p) => partitionsOf('b').has(p)), [], 'no partition was read by both');

        // Leaving commits: the committed offsets are the end of every partition.
        await until('offsets committed', async () => {
          const [t] = await admin.fetchOffsets({ groupId, topics: ['split'] });
          return t.partitions.every((p) => p.offset === '10');
        });
        await a.consumer.disconnect();
        await b.consumer.disconnect();
        assert.equal((await admin.describeGroups([groupId])).groups[0].state, 'Empty');
        assert.ok((await admin.listGroups()).groups.some((g) => g.groupId === groupId && g.protocolType === 'consumer'));

        // A new member resumes where the group left off: only the new messages arrive.
        await producer.send({ topic: 'split', messages: Array.from({ length: 8 }, (_, i) => ({ key: `n${i}`, value: `second-${i}`, partition: i % 4 })) });
        await producer.disconnect();
        const later: Received[] = [];
        const c = consumerIn(groupId, 'c', later);
        await c.started;
        await until('the new messages consumed', () => later.length >= 8);
        await new Promise((r) => setTimeout(r, 500));
        assert.deepEqual(later.map((r) => r.value).sort(), Array.from({ length: 8 }, (_, i) => `second-${i}`).sort());
        await until('offsets committed after the restart', async () => {
          const [t] = await admin.fetchOffsets({ groupId, topics: ['split'] });
          return t.partitions.every((p) => p.offset === '12');
        });

        // DeleteGroups: refused while a member is in, then forgets the group and its offsets.
        const busy = await admin.deleteGroups([groupId]).then(
          () => 'deleted',
          (err: { groups?: { errorCode: number }[] }) => err.groups?.[0]?.errorCode,
        );
        assert.equal(busy, 68, 'NON_EMPTY_GROUP');
        await c.consumer.disconnect();
        await admin.deleteGroups([groupId]);
        assert.ok(!(await admin.listGroups()).groups.some((g) => g.groupId === groupId));
        const [gone] = await admin.fetchOffsets({ groupId, topics: ['split'] });
        assert.ok(gone.partitions.every((p) => p.offset === '-1'));
      } finally {
        await admin.disconnect();
      }
    });

    it('admin setOffsets on a group without members; a consumer then starts from them', { skip, timeout: 60_000 }, async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic: 'seek', numPartitions: 1 }] });
        const producer = kafka.producer();
        await producer.connect();
        await producer.send({ topic: 'seek', messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })) });
        await producer.disconnect();
        await admin.setOffsets({ groupId: 'seekers', topic: 'seek', partitions: [{ partition: 0, offset: '7' }] });
        assert.deepEqual((await admin.fetchOffsets({ groupId: 'seekers', topics: ['seek'] }))[0].partitions.map((p) => [p.partition, p.offset]), [[0, '7']]);
        const got: string[] = [];
        const consumer = kafka.consumer({ groupId: 'seekers', sessionTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
        await consumer.connect();
        await consumer.subscribe({ topic: 'seek', fromBeginning: true });
        await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
        await until('three messages', () => got.length >= 3);
        await new Promise((r) => setTimeout(r, 300));
        await consumer.disconnect();
        assert.deepEqual(got, ['m7', 'm8', 'm9']);
      } finally {
        await admin.disconnect();
      }
    });
  });
}
