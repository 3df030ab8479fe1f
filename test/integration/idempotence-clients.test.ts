/**
 * Real idempotent producers (kafkajs idempotent: true; librdkafka enable.idempotence=true through
 * Debian's python3-confluent-kafka) send 100k messages while the broker is killed with SIGKILL and
 * restarted midway: the log ends up with every message exactly once, in order.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { WireClient } from '../../src/client/wire-client.js';
import { spawnBroker, type BrokerProcess } from '../support/broker-process.js';
import { freePort } from '../support/free-port.js';
import { readPartition } from '../support/read-log.js';
import { DEBIAN_PYTHON, clientSkip } from '../support/processes.js';
import { hasConfluentKafka } from '../support/python-consumer.js';

const MESSAGES = 100_000;

async function readAll(port: number, topic: string): Promise<string[]> {
  const c = await WireClient.connect('127.0.0.1', port);
  const log = await readPartition(c, topic, 0);
  await c.close();
  log.forEach((e, i) => assert.equal(e.offset, BigInt(i), 'offsets are dense'));
  return log.map((e) => e.value);
}

function assertExactlyOnceInOrder(values: string[]): void {
  const numbers = values.map(Number);
  const missing = MESSAGES - new Set(numbers).size;
  assert.equal(values.length, MESSAGES, `${values.length - MESSAGES + missing} duplicates, ${missing} missing`);
  numbers.forEach((n, i) => assert.equal(n, i, `message ${i} in place`));
}

async function withRestartingBroker(run: (port: number, restart: () => Promise<void>) => Promise<void>): Promise<string[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sh-idem-clients-'));
  const port = await freePort();
  const args = ['--data-dir', dataDir, '--port', String(port)];
  let broker: BrokerProcess = await spawnBroker(args);
  try {
    await run(port, async () => {
      await broker.kill9();
      broker = await spawnBroker(args);
    });
    return await readAll(port, 'idem');
  } finally {
    await broker.kill9();
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe('idempotent producers across a broker kill -9', () => {
  it('kafkajs idempotent: true', { timeout: 300_000 }, async () => {
    const values = await withRestartingBroker(async (port, restart) => {
      const kafka = new Kafka({ clientId: 'idem', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 2000 } });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'idem', numPartitions: 1 }] });
      await admin.disconnect();
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const perSend = 1000;
      let restarted: Promise<void> | null = null;
      for (let i = 0; i < MESSAGES; i += perSend) {
        if (i === MESSAGES / 2) restarted = restart(); // kill while the next sends are in flight
        await producer.send({ topic: 'idem', messages: Array.from({ length: perSend }, (_, j) => ({ value: String(i + j) })) });
      }
      await restarted;
      await producer.disconnect();
    });
    assertExactlyOnceInOrder(values);
  });

  const skip = clientSkip(hasConfluentKafka, 'python3-confluent-kafka');
  it('librdkafka enable.idempotence=true', { skip, timeout: 300_000 }, async () => {
    const values = await withRestartingBroker(async (port, restart) => {
      const script = `
import sys
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': '127.0.0.1:${port}', 'enable.idempotence': True, 'linger.ms': 5,
              'message.timeout.ms': 120000, 'retry.backoff.ms': 200})
errors = []
def done(err, msg):
    if err is not None: errors.append(str(err))
for i in range(${MESSAGES}):
    while True:
        try:
            p.produce('idem', value=str(i).encode(), on_delivery=done); break
        except BufferError:
            p.poll(0.05)
    if i == ${MESSAGES / 2}:
        print('HALF', flush=True)
        p.poll(0)
p.flush(180)
print('ERRORS', len(errors), errors[:3], flush=True)
sys.exit(1 if errors else 0)
`;
      const child = spawn(DEBIAN_PYTHON, ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let restarting: Promise<void> | null = null;
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (!restarting && out.includes('HALF')) restarting = restart();
      });
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      await restarting;
      assert.equal(code, 0, out);
    });
    assertExactlyOnceInOrder(values);
  });
});
