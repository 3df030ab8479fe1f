/**
 * Static membership (KIP-345) with librdkafka (Debian's python3-confluent-kafka,
 * group.instance.id), on both backends:
 * - two static members A and B split a topic; A's process is killed (SIGKILL: no LeaveGroup) and
 *   restarted with the same group.instance.id well within session.timeout.ms: it gets the SAME
 *   partitions back, resumes at the committed offsets, and B sees no rebalance at all (no
 *   callback, the same rebalance count in librdkafka's statistics, the same member id in
 *   DescribeGroups);
 * - a third consumer with A's group.instance.id takes A's place (again without a rebalance) and
 *   the older incarnation is fenced: its next heartbeat gets FENCED_INSTANCE_ID, which librdkafka
 *   raises as a fatal error;
 * - when member-a is killed for good, its session expires (6 s) and B takes every partition.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { WireClient } from '../../src/client/wire-client.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { BACKENDS, backendSkip, startTestBroker, type TestBroker } from '../support/broker.js';
import { clientSkip } from '../support/processes.js';
import { PythonConsumer, hasConfluentKafka, type ConsumerEvent } from '../support/python-consumer.js';

const TOPIC = 'static';
const PARTITIONS = 4;
const GROUP = 'statics';

/** The latest full assignment from eager (range) callbacks: each assign carries the whole set. */
function eagerOwned(c: PythonConsumer): number[] {
  let owned: number[] = [];
  for (const e of c.rebalances()) owned = e.ev === 'assign' ? [...(e.partitions ?? [])] : [];
  return owned;
}

/** librdkafka raises a fatal error as RD_KAFKA_RESP_ERR__FATAL (-150) carrying the broker's reason. */
function isFencedFatal(e: ConsumerEvent): boolean {
  return (e.code === -150 || e.fatal === true) && /fenced|FENCED_INSTANCE_ID/.test(`${e.name} ${e.str}`);
}

function lastRebalanceCount(c: PythonConsumer): number | undefined {
  return c.of('stats').filter((e) => e.rebalance_cnt !== undefined).at(-1)?.rebalance_cnt;
}

for (const backend of BACKENDS) {
  describe(`static membership with librdkafka (${backend})`, async () => {
    const skip = clientSkip(hasConfluentKafka, 'python3-confluent-kafka') || (await backendSkip(backend));
    let tb: TestBroker;
    const children: PythonConsumer[] = [];

    before(async () => {
      if (skip) return;
      tb = await startTestBroker(backend, { groupInitialRebalanceDelayMs: 0 });
    });
    after(async () => {
      if (skip) return;
      for (const c of children) await c.kill9();
      await tb.stop();
    });

    it('a static member restarted within the session timeout gets its partitions back without a rebalance; a duplicate instance id fences the older one', { skip, timeout: 90_000 }, async () => {
      const kafka = new Kafka({ clientId: 'static-it', brokers: [tb.broker.bootstrap], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      const producer = kafka.producer();
      await producer.connect();
      try {
        await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
        let n = 0;
        const produce = async (count: number): Promise<string[]> => {
          const messages = Array.from({ length: count }, (_, i) => ({ value: `s-${n + i}`, partition: (n + i) % PARTITIONS }));
          n += count;
          await producer.send({ topic: TOPIC, messages });
          return messages.map((m) => m.value);
        };
        const config = (instance: string) => ({
          'bootstrap.servers': tb.broker.bootstrap,
          'group.id': GROUP,
          'group.instance.id': instance,
          'client.id': `client-${instance}`,
          'auto.offset.reset': 'earliest',
          'enable.auto.commit': false,
          'session.timeout.ms': 6000,
          'heartbeat.interval.ms': 300,
          'max.poll.interval.ms': 15000,
          'fetch.wait.max.ms': 100,
          'statistics.interval.ms': 200,
        });
        const start = (name: string, instance: string): PythonConsumer => {
          const c = new PythonConsumer(name, config(instance), TOPIC);
          children.push(c);
          return c;
        };
        const describeMembers = async () => {
          const g = (await admin.describeGroups([GROUP])).groups[0];
          return {
            state: g.state,
            members: g.members
              .map((m) => ({
                memberId: m.memberId,
                clientId: m.clientId,
                partitions: g.state === 'Stable' ? (AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[TOPIC] ?? []) : [],
              }))
              .sort((x, y) => x.clientId.localeCompare(y.clientId)),
          };
        };

        const a = start('a', 'member-a');
        await a.waitFor('a owns every partition', (c) => eagerOwned(c).length === PARTITIONS);
        const b = start('b', 'member-b');
        await b.waitFor('b owns two partitions', (c) => eagerOwned(c).length === 2);
        await a.waitFor('a owns two partitions', (c) => eagerOwned(c).length === 2);
        const aParts = eagerOwned(a);
        const ofA = (value: string) => aParts.includes(Number(value.slice(2)) % PARTITIONS);
        const bParts = eagerOwned(b);
        assert.deepEqual([...aParts, ...bParts].sort(), [0, 1, 2, 3]);

        const first = await produce(20);
        const consumedBy = (c: PythonConsumer) => c.of('message').map((m) => m.value!);
        await b.waitFor('a and b consume the first messages', () => new Set([...consumedBy(a), ...consumedBy(b)]).size === first.length);
        await b.waitFor('b reports statistics', (c) => lastRebalanceCount(c) !== undefined);
        const before = await describeMembers();
        assert.equal(before.state, 'Stable');
        const bEvents = b.rebalances().length;
        const bRebalances = lastRebalanceCount(b)!;
        const bMember = before.members.find((m) => m.clientId === 'client-member-b')!;

        // A dies without a word and comes back as a new process with the same group.instance.id.
        await a.kill9();
        const a2 = start('a2', 'member-a');
        await a2.waitFor('the restarted a is assigned', (c) => c.of('assign').length > 0);
        assert.deepEqual(eagerOwned(a2), aParts, 'the restarted static member got the same partitions back');
        const second = await produce(20);
        await a2.waitFor('the restarted a reads the new messages of its partitions', (c) =>
          second.filter(ofA).every((v) => consumedBy(c).includes(v)),
        );
        await new Promise((r) => setTimeout(r, 1_500)); // several heartbeats and statistics intervals
        assert.deepEqual(
          consumedBy(a2).sort(),
          second.filter(ofA).sort(),
          'a resumed at its committed offsets: nothing re-read, nothing lost',
        );
        assert.equal(b.rebalances().length, bEvents, `b saw no revoke/assign: ${JSON.stringify(b.rebalances())}`);
        assert.equal(lastRebalanceCount(b), bRebalances, 'b took part in no rebalance');
        const afterRestart = await describeMembers();
        assert.equal(afterRestart.state, 'Stable');
        assert.equal(afterRestart.members.length, 2);
        const bAfter = afterRestart.members.find((m) => m.clientId === 'client-member-b')!;
        assert.equal(bAfter.memberId, bMember.memberId, 'b is the same member');
        assert.deepEqual(bAfter.partitions, bParts);
        const aBefore = before.members.find((m) => m.clientId === 'client-member-a')!;
        const aAfter = afterRestart.members.find((m) => m.clientId === 'client-member-a')!;
        assert.notEqual(aAfter.memberId, aBefore.memberId, 'the restarted a has a new member id');
        assert.deepEqual(aAfter.partitions, aBefore.partitions);
        // kafkajs describes with DescribeGroups v2; v4+ carries the group.instance.id.
        const wire = await WireClient.connect('127.0.0.1', tb.broker.port);
        try {
          const g = (await wire.send(ApiKey.DescribeGroups, 5, { groups: [GROUP], includeAuthorizedOperations: false })).groups[0];
          assert.deepEqual(
            g.members.map((m) => [m.clientId, m.groupInstanceId, m.memberId]).sort(),
            [['client-member-a', 'member-a', aAfter.memberId], ['client-member-b', 'member-b', bMember.memberId]],
          );
        } finally {
          await wire.close();
        }

        // A third consumer claims member-a's group.instance.id: it takes the place, a2 is fenced.
        const a3 = start('a3', 'member-a');
        await a3.waitFor('the duplicate is assigned', (c) => c.of('assign').length > 0);
        assert.deepEqual(eagerOwned(a3), aParts, 'the newest incarnation holds member-a partitions');
        await a2.waitFor('the older incarnation is fenced (fatal error)', (c) =>
          c.of('error').some(isFencedFatal),
        );
        const fenced = a2.of('error').find(isFencedFatal)!;
        console.log(`[${backend}] a: ${JSON.stringify(aParts)}, b: ${JSON.stringify(bParts)}; a2 fenced: ${fenced.name} ${fenced.str}`);
        await new Promise((r) => setTimeout(r, 1_000));
        assert.equal(b.rebalances().length, bEvents, 'b still saw no rebalance');
        assert.equal(lastRebalanceCount(b), bRebalances);
        const third = await produce(8);
        await a3.waitFor('the newest incarnation reads member-a partitions', (c) =>
          third.filter(ofA).every((v) => consumedBy(c).includes(v)),
        );

        // A static member that does not come back is removed when its session expires: then B
        // rebalances and takes every partition.
        const killedAt = Date.now();
        await a3.kill9();
        await b.waitFor('b owns every partition after member-a session expired', (c) => eagerOwned(c).length === PARTITIONS, 30_000);
        const expiredAfter = Date.now() - killedAt;
        assert.ok(expiredAfter >= 5_000, `not before the session timeout (${expiredAfter} ms)`);
        console.log(`[${backend}] b took over all partitions ${expiredAfter} ms after member-a was killed`);
        const last = await describeMembers();
        assert.equal(last.state, 'Stable');
        assert.deepEqual(last.members.map((m) => [m.clientId, m.memberId, [...m.partitions].sort()]), [['client-member-b', bMember.memberId, [0, 1, 2, 3]]]);
      } finally {
        await producer.disconnect();
        await admin.disconnect();
      }
    });
  });
}
