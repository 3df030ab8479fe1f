/**
 * kafka-python (Debian's python3-kafka) against the broker, on both backends: KafkaProducer writes
 * 20 messages over two partitions; a group KafkaConsumer (enable_auto_commit=False) reads them,
 * consumer.commit() stores the positions, consumer.committed(tp) reads them back; seek(tp, 3)
 * re-reads partition 0 from offset 3; an explicit commit with metadata moves partition 0 back to
 * 5. The committed offsets are visible to kafkajs admin.fetchOffsets (our OffsetFetch), and a
 * second consumer of the group resumes from them.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { BACKENDS, backendSkip, startTestBroker, type TestBroker } from '../support/broker.js';
import { DEBIAN_PYTHON, clientSkip, run } from '../support/processes.js';
import { hasKafkaPython } from '../support/python-consumer.js';

const SCRIPT = String.raw`
import sys, json, time
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

bootstrap, topic, group = sys.argv[1:4]
out = {}
tp0, tp1 = TopicPartition(topic, 0), TopicPartition(topic, 1)

p = KafkaProducer(bootstrap_servers=bootstrap, acks='all', client_id='kp-producer')
for i in range(20):
    p.send(topic, value=('kp-%d' % i).encode(), partition=i % 2)
p.flush(30)
p.close(10)

def consumer(name):
    return KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, client_id=name, enable_auto_commit=False,
                         auto_offset_reset='earliest', session_timeout_ms=6000, heartbeat_interval_ms=500,
                         fetch_max_wait_ms=100)

def drain(c, want, seconds=30):
    got = []
    deadline = time.time() + seconds
    while len(got) < want and time.time() < deadline:
        for tp, msgs in c.poll(timeout_ms=200).items():
            got.extend([m.partition, m.offset, m.value.decode()] for m in msgs)
    return got

c = consumer('kp-1')
c.subscribe([topic])
out['first'] = drain(c, 20)
out['assignment'] = sorted(tp.partition for tp in c.assignment())
c.commit()
out['committed'] = [c.committed(tp0), c.committed(tp1)]

# seek back on partition 0 and re-read from offset 3
c.seek(tp0, 3)
out['position_after_seek'] = c.position(tp0)
out['reread'] = drain(c, 7)
out['extra'] = drain(c, 1, 1)

# an explicit commit with metadata, then committed() sees it
c.commit({tp0: OffsetAndMetadata(5, 'kp-meta')})
out['committed_explicit'] = [c.committed(tp0), c.committed(tp1)]
c.close()

# a second consumer of the group resumes from the committed offsets
c2 = consumer('kp-2')
c2.subscribe([topic])
out['resumed'] = drain(c2, 5)
out['resumed_extra'] = drain(c2, 1, 1)
c2.close()
print(json.dumps(out))
`;

interface Out {
  first: [number, number, string][];
  assignment: number[];
  committed: number[];
  position_after_seek: number;
  reread: [number, number, string][];
  extra: unknown[];
  committed_explicit: number[];
  resumed: [number, number, string][];
  resumed_extra: unknown[];
}

for (const backend of BACKENDS) {
  describe(`consumer groups with kafka-python (${backend})`, async () => {
    const skip = clientSkip(hasKafkaPython, 'python3-kafka') || (await backendSkip(backend));
    let tb: TestBroker;

    before(async () => {
      if (skip) return;
      tb = await startTestBroker(backend, { groupInitialRebalanceDelayMs: 0 });
    });
    after(async () => {
      if (!skip) await tb.stop();
    });

    it('commit(), committed(), seek() and re-read; offsets visible to OffsetFetch; a second consumer resumes', { skip, timeout: 90_000 }, async () => {
      const kafka = new Kafka({ clientId: 'kp-it', brokers: [tb.broker.bootstrap], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic: 'kp', numPartitions: 2 }] });
        const r = await run(DEBIAN_PYTHON, ['-c', SCRIPT, tb.broker.bootstrap, 'kp', 'kp-group'], { timeoutMs: 80_000 });
        assert.equal(r.code, 0, `kafka-python failed: ${r.stderr.slice(-3000)}`);
        const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Out;

        const values = (xs: [number, number, string][]) => xs.map((x) => x[2]).sort();
        assert.deepEqual(values(out.first), Array.from({ length: 20 }, (_, i) => `kp-${i}`).sort(), 'every message once');
        assert.deepEqual(out.assignment, [0, 1]);
        assert.deepEqual(out.committed, [10, 10], 'commit() stored the positions');

        assert.equal(out.position_after_seek, 3);
        assert.deepEqual(out.reread.map((x) => [x[0], x[1]]), [3, 4, 5, 6, 7, 8, 9].map((o) => [0, o]), 'partition 0 re-read from offset 3');
        assert.deepEqual(out.reread.map((x) => x[2]), [6, 8, 10, 12, 14, 16, 18].map((i) => `kp-${i}`));
        assert.deepEqual(out.extra, [], 'partition 1 is not re-read');
        assert.deepEqual(out.committed_explicit, [5, 10]);

        // Our OffsetFetch, through kafkajs, sees what kafka-python committed (and its metadata).
        const [t] = await admin.fetchOffsets({ groupId: 'kp-group', topics: ['kp'] });
        assert.deepEqual(
          t.partitions.map((p) => [p.partition, p.offset, p.metadata]).sort((x, y) => Number(x[0]) - Number(y[0])),
          [[0, '5', 'kp-meta'], [1, '10', null]], // kafkajs reports '' as null
        );
        assert.deepEqual(out.resumed.map((x) => [x[0], x[1]]), [5, 6, 7, 8, 9].map((o) => [0, o]), 'the second consumer resumed at the committed offsets');
        assert.deepEqual(out.resumed_extra, []);
        assert.equal((await admin.describeGroups(['kp-group'])).groups[0].state, 'Empty', 'both consumers left');
      } finally {
        await admin.disconnect();
      }
    });
  });
}
