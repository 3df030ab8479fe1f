/**
 * Consumer-group rebalances with kafkajs, on both backends, while a producer keeps writing to a
 * 6-partition topic: two consumers split it 3/3; one leaves (LeaveGroup on disconnect) and the other
 * takes over all 6; a new consumer joins (3/3) and a third joins the running pair (2/2/2); every
 * message produced throughout is processed exactly once across the group (kafkajs autoCommit: the
 * resolved offsets are committed after every message and again when a heartbeat reports the
 * rebalance, before the member rejoins). Then everyone stops, more is produced, and a restarted
 * consumer resumes from the committed offsets: nothing reprocessed, nothing lost.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AssignerProtocol, Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { BACKENDS, backendSkip, startTestBroker, type TestBroker } from '../support/broker.js';

const TOPIC = 'rebal';
const PARTITIONS = 6;
const GROUP = 'rebalancers';

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Received {
  consumer: string;
  partition: number;
  offset: number;
  value: string;
}

for (const backend of BACKENDS) {
  describe(`consumer-group rebalances with kafkajs (${backend})`, async () => {
    const skip = await backendSkip(backend);
    let tb: TestBroker;
    let kafka: Kafka;
    const consumers = new Map<string, Consumer>();
    let producer: Producer | undefined;

    before(async () => {
      if (skip) return;
      tb = await startTestBroker(backend, { groupInitialRebalanceDelayMs: 0 });
      kafka = new Kafka({ clientId: 'rebalance-it', brokers: [tb.broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
    });
    after(async () => {
      if (skip) return;
      for (const c of consumers.values()) await c.disconnect().catch(() => {});
      await producer?.disconnect().catch(() => {});
      await tb.stop();
    });

    it('3/3 split, takeover of 6 after a leave, 2/2/2 with a third member, exactly once throughout, resume after a restart', { skip, timeout: 90_000 }, async () => {
      const t0 = Date.now();
      let producing = true;
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
        const received: Received[] = [];

        /** The partitions of each member of a Stable group (empty map while it is rebalancing). */
        const assignments = async (): Promise<Map<string, number[]>> => {
          const { groups } = await admin.describeGroups([GROUP]);
          const out = new Map<string, number[]>();
          if (groups[0].state !== 'Stable') return out;
          for (const m of groups[0].members) {
            const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
            out.set(m.memberId, [...(decoded?.assignment[TOPIC] ?? [])].sort((x, y) => x - y));
          }
          return out;
        };
        /** Waits for a Stable group whose members hold `sizes` partitions (any order), disjoint and covering all 6. */
        const settled = async (sizes: number[]): Promise<number[][]> => {
          let last: number[][] = [];
          await until(`a Stable group split ${sizes.join('/')}`, async () => {
            const m = await assignments();
            last = [...m.values()];
            return m.size === sizes.length && last.map((p) => p.length).sort().join() === [...sizes].sort().join();
          });
          const all = last.flat().sort((x, y) => x - y);
          assert.deepEqual(all, Array.from({ length: PARTITIONS }, (_, i) => i), `no overlap, nothing unassigned: ${JSON.stringify(last)}`);
          return last;
        };

        // Member ids as kafkajs sees them, from its GROUP_JOIN events.
        const memberIdOf = new Map<string, string>();
        const start = async (name: string): Promise<Consumer> => {
          const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 6_000, rebalanceTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
          consumers.set(name, consumer);
          consumer.on(consumer.events.GROUP_JOIN, (e) => void memberIdOf.set(name, e.payload.memberId));
          await consumer.connect();
          await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
          await consumer.run({
            eachMessage: async ({ partition, message }) => {
              received.push({ consumer: name, partition, offset: Number(message.offset), value: message.value!.toString() });
            },
          });
          return consumer;
        };
        const stop = async (name: string): Promise<void> => {
          await consumers.get(name)!.disconnect();
          consumers.delete(name);
        };
        const partitionsOfMember = async (name: string): Promise<number[]> => (await assignments()).get(memberIdOf.get(name)!) ?? [];

        // A producer writes round-robin over the 6 partitions in the background, through every rebalance.
        producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        const produced: string[] = [];
        const p = producer;
        const background = (async () => {
          let n = 0;
          while (producing) {
            const messages = Array.from({ length: PARTITIONS }, (_, i) => ({ value: `v-${n + i}`, partition: (n + i) % PARTITIONS }));
            await p.send({ topic: TOPIC, messages });
            for (const m of messages) produced.push(m.value);
            n += messages.length;
            await new Promise((r) => setTimeout(r, 40));
          }
        })();
        const consumedSoFar = () => new Set(received.map((r) => r.value));
        const catchUp = (what: string) => {
          const target = produced.length;
          return until(what, () => {
            const seen = consumedSoFar();
            return produced.slice(0, target).every((v) => seen.has(v));
          });
        };

        // 1. Two consumers split the topic 3/3.
        await start('a');
        await start('b');
        const split = await settled([3, 3]);
        assert.deepEqual((await partitionsOfMember('a')).length, 3);
        await catchUp('a and b consume what was produced');
        const markAfterSplit = received.length;
        await catchUp('more messages after the split settled');
        await new Promise((r) => setTimeout(r, 300));
        const readBy = (name: string, from: number) => new Set(received.slice(from).filter((r) => r.consumer === name).map((r) => r.partition));
        const aParts = await partitionsOfMember('a');
        const bParts = await partitionsOfMember('b');
        assert.ok([...readBy('a', markAfterSplit)].every((x) => aParts.includes(x)), 'a reads only its own partitions');
        assert.ok([...readBy('b', markAfterSplit)].every((x) => bParts.includes(x)), 'b reads only its own partitions');
        const tSplit = Date.now();

        // 2. a leaves (LeaveGroup on disconnect); b takes over all six.
        await stop('a');
        await settled([6]);
        assert.deepEqual(await partitionsOfMember('b'), [0, 1, 2, 3, 4, 5]);
        const markAfterLeave = received.length;
        await catchUp('b consumes everything after a left');
        await until('b reads all six partitions', () => readBy('b', markAfterLeave).size === PARTITIONS);
        const tLeave = Date.now();

        // 3. c joins: 3/3 again; then d joins the running pair: 2/2/2.
        await start('c');
        await settled([3, 3]);
        await catchUp('b and c consume');
        await start('d');
        const thirds = await settled([2, 2, 2]);
        assert.deepEqual(
          (await Promise.all(['b', 'c', 'd'].map(partitionsOfMember))).map((x) => x.length),
          [2, 2, 2],
          `b, c, d hold two partitions each: ${JSON.stringify(thirds)}`,
        );
        const markThirds = received.length;
        await catchUp('b, c and d consume');
        await until('each of b, c, d reads its two partitions', () => ['b', 'c', 'd'].every((n) => readBy(n, markThirds).size === 2));
        const tThirds = Date.now();

        // 4. Stop producing; everything produced is processed exactly once across the group.
        producing = false;
        await background;
        await catchUp('everything produced is consumed');
        await new Promise((r) => setTimeout(r, 500));
        const counts = new Map<string, number>();
        for (const r of received) counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
        const duplicates = [...counts].filter(([, n]) => n > 1);
        assert.deepEqual(duplicates.slice(0, 10), [], `${duplicates.length} messages processed more than once`);
        assert.equal(counts.size, produced.length, 'nothing lost');
        assert.equal(received.length, produced.length);

        // Everyone stops (commits and leaves): the committed offsets are the ends of the partitions.
        for (const name of [...consumers.keys()]) await stop(name);
        assert.equal((await admin.describeGroups([GROUP])).groups[0].state, 'Empty');
        const ends = await admin.fetchTopicOffsets(TOPIC);
        const committed = (await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }))[0].partitions;
        assert.deepEqual(
          committed.map((x) => [x.partition, x.offset]).sort((x, y) => Number(x[0]) - Number(y[0])),
          ends.map((x) => [x.partition, x.offset]).sort((x, y) => Number(x[0]) - Number(y[0])),
          'committed = end offsets',
        );

        // 5. More is produced while nobody runs; a restarted consumer gets exactly that.
        const later = Array.from({ length: 30 }, (_, i) => ({ value: `later-${i}`, partition: i % PARTITIONS }));
        await p.send({ topic: TOPIC, messages: later });
        const before = received.length;
        await start('e');
        await until('the restarted consumer reads the new messages', () => received.length - before >= later.length);
        await new Promise((r) => setTimeout(r, 1_000));
        const resumed = received.slice(before);
        assert.deepEqual(resumed.map((r) => r.value).sort(), later.map((m) => m.value).sort(), 'nothing reprocessed, nothing lost');
        for (const r of resumed) {
          const end = ends.find((x) => x.partition === r.partition)!;
          assert.ok(r.offset >= Number(end.offset), `partition ${r.partition} resumed at ${r.offset} ≥ committed ${end.offset}`);
        }
        await stop('e');
        const t = (x: number) => `${((x - t0) / 1000).toFixed(1)}s`;
        // Timeline, for the report.
        console.log(`[${backend}] split ${JSON.stringify(split)} at ${t(tSplit)}, takeover at ${t(tLeave)}, 2/2/2 at ${t(tThirds)}, done ${t(Date.now())}; ${produced.length} messages exactly once`);
      } finally {
        producing = false;
        await admin.disconnect();
      }
    });
  });
}
