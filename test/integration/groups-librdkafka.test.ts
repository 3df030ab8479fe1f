/**
 * A cooperative (incremental) rebalance with librdkafka (Debian's python3-confluent-kafka,
 * partition.assignment.strategy=cooperative-sticky), on both backends: consumer A takes all six
 * partitions; consumer B joins later and the group rebalances incrementally — A's callbacks are
 * assign(all 6) then revoke(only the 3 that move), A never loses the other 3, B is assigned
 * exactly the 3 A gave up. Messages produced before and after the rebalance are consumed exactly
 * once (each committed synchronously after it is processed), and the committed offsets end at the
 * ends of the log.
 *
 * The rebalance itself happens while nothing is being produced, on purpose: librdkafka before 2.10
 * (Debian ships 2.0.2) loses its whole assignment when an OffsetCommit sent with the previous
 * generation during a rebalance gets ILLEGAL_GENERATION (confluentinc/librdkafka#4059, fixed by
 * PR #4908): it resets its generation to -1, so its SyncGroup fails too, and every partition is
 * revoked as "lost". Kafka answers that commit with ILLEGAL_GENERATION as we do (the JoinGroup that
 * completes the join bumps the generation first), so a commit racing the rebalance made this test
 * flaky (about one run in five) without any broker fault.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { BACKENDS, backendSkip, startTestBroker, type TestBroker } from '../support/broker.js';
import { clientSkip } from '../support/processes.js';
import { PythonConsumer, hasConfluentKafka } from '../support/python-consumer.js';

const TOPIC = 'coop';
const PARTITIONS = 6;
const GROUP = 'cooperative';
const ALL = Array.from({ length: PARTITIONS }, (_, i) => i);

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const backend of BACKENDS) {
  describe(`cooperative-sticky rebalance with librdkafka (${backend})`, async () => {
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

    it('B joining triggers an incremental rebalance: A keeps 3, gives 3 to B; exactly once with commits', { skip, timeout: 90_000 }, async () => {
      const kafka = new Kafka({ clientId: 'coop-it', brokers: [tb.broker.bootstrap], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      let producing = false;
      let background: Promise<void> = Promise.resolve();
      try {
        await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
        await producer.connect();
        const produced: string[] = [];
        let n = 0;
        const produceInBackground = () => {
          producing = true;
          background = (async () => {
            while (producing) {
              const messages = Array.from({ length: PARTITIONS }, (_, i) => ({ value: `c-${n + i}`, partition: (n + i) % PARTITIONS }));
              await producer.send({ topic: TOPIC, messages });
              for (const m of messages) produced.push(m.value);
              n += messages.length;
              await new Promise((r) => setTimeout(r, 50));
            }
          })();
        };
        const stopProducing = async () => {
          producing = false;
          await background;
        };
        const consumed = () => [...children.flatMap((c) => c.of('message'))];
        const allConsumedAndCommitted = async (what: string) => {
          await until(`${what}: everything produced is consumed`, () => new Set(consumed().map((m) => m.value)).size === produced.length);
          const ends = await admin.fetchTopicOffsets(TOPIC);
          await until(`${what}: committed offsets at the ends of the partitions`, async () => {
            const [t] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
            return t.partitions.every((p) => p.offset === ends.find((e) => e.partition === p.partition)!.offset);
          });
        };
        produceInBackground();

        const config = {
          'bootstrap.servers': tb.broker.bootstrap,
          'group.id': GROUP,
          'partition.assignment.strategy': 'cooperative-sticky',
          'auto.offset.reset': 'earliest',
          'enable.auto.commit': false,
          'session.timeout.ms': 6000,
          'heartbeat.interval.ms': 500,
          'max.poll.interval.ms': 10000,
          'fetch.wait.max.ms': 100,
        };
        const a = new PythonConsumer('a', { ...config, 'client.id': 'coop-a' }, TOPIC);
        children.push(a);
        await a.waitFor('a owns all six partitions', (c) => c.ownedIncremental().length === PARTITIONS);
        await a.waitFor('a consumes', (c) => c.of('message').length >= 30);
        // Quiet before B joins (see above): A has processed and committed everything.
        await stopProducing();
        await allConsumedAndCommitted('a alone');

        const b = new PythonConsumer('b', { ...config, 'client.id': 'coop-b' }, TOPIC);
        children.push(b);
        await b.waitFor('b owns three partitions', (c) => c.ownedIncremental().length === 3);
        await a.waitFor('a owns three partitions', (c) => c.ownedIncremental().length === 3);
        produceInBackground();
        await b.waitFor('b consumes', (c) => c.of('message').length >= 12);

        const seen = (c: PythonConsumer) => c.rebalances().map((e) => `${e.ev}${JSON.stringify(e.partitions)}`);
        console.log(`[${backend}] a: ${seen(a).join(' ')}; b: ${seen(b).join(' ')}`);
        // Incremental semantics: A first got all six, then gave up exactly three; it never lost the rest.
        const aEvents = a.rebalances();
        assert.deepEqual(aEvents[0].ev, 'assign');
        assert.deepEqual(aEvents[0].partitions, ALL);
        const aRevoked = aEvents.filter((e) => e.ev === 'revoke').flatMap((e) => e.partitions ?? []);
        assert.equal(aRevoked.length, 3, `a gave up three partitions, not all six: ${seen(a).join(' ')}`);
        assert.ok(!aEvents.some((e) => e.ev === 'lost'), 'no partitions lost');
        assert.deepEqual([...aRevoked].sort(), b.ownedIncremental(), 'b was given what a gave up');
        assert.deepEqual([...a.ownedIncremental(), ...b.ownedIncremental()].sort(), ALL, 'no overlap');
        const bAssigned = b.rebalances().filter((e) => e.ev === 'assign');
        assert.ok(bAssigned.every((e) => (e.partitions ?? []).every((p) => aRevoked.includes(p))), 'b was never assigned a partition a still owned');

        // Only B reads the moved partitions after the revoke; A keeps reading its three.
        const aLast = a.of('message').filter((m) => m.at > aEvents.at(-1)!.at + 500);
        assert.ok(aLast.every((m) => a.ownedIncremental().includes(m.partition!)), 'a reads only what it kept');

        await stopProducing();
        await allConsumedAndCommitted('a and b');
        await new Promise((r) => setTimeout(r, 500));
        const counts = new Map<string, number>();
        for (const m of consumed()) counts.set(m.value!, (counts.get(m.value!) ?? 0) + 1);
        const duplicates = [...counts].filter(([, n]) => n > 1);
        assert.deepEqual(duplicates.slice(0, 10), [], `${duplicates.length} messages consumed twice`);
        assert.equal(counts.size, produced.length);
        assert.deepEqual([...a.of('commit-error'), ...b.of('commit-error')], [], 'every commit succeeded (retries aside)');
        const retries = (c: PythonConsumer) => c.of('commit-retry').map((e) => `${e.name}@p${e.partition}`);
        console.log(`[${backend}] commit retries: a ${JSON.stringify(retries(a))}, b ${JSON.stringify(retries(b))}`);

        const described = (await admin.describeGroups([GROUP])).groups[0];
        assert.equal(described.state, 'Stable');
        assert.equal(described.protocol, 'cooperative-sticky');
        assert.equal(described.members.length, 2);

        assert.equal(await b.close(), 0, b.stderr.slice(-2000));
        await a.waitFor('a takes the three partitions b left', (c) => c.ownedIncremental().length === PARTITIONS);
        assert.equal(await a.close(), 0, a.stderr.slice(-2000));
        assert.equal((await admin.describeGroups([GROUP])).groups[0].state, 'Empty');
      } finally {
        producing = false;
        await background.catch(() => {});
        await producer.disconnect();
        await admin.disconnect();
      }
    });
  });
}
