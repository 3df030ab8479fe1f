/**
 * An acknowledged record is never lost: produce with acks=-1 from several connections, kill -9 the
 * broker mid-stream, restart it on the same stores, and find every acknowledged record at the
 * offset it was acknowledged with, in order, with nothing duplicated. Runs on both backends.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WireClient } from '../../src/client/wire-client.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { buildBatch } from '../../protocol/records/index.js';
import { spawnBroker, type BrokerProcess } from '../support/broker-process.js';
import { readPartition } from '../support/read-log.js';
import { BACKENDS, backendSkip, type Backend } from '../support/broker.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startS3rver, type S3rverHandle } from '../support/s3rver.js';

async function stores(backend: Backend, dataDir: string): Promise<{ args: string[]; env: Record<string, string>; close(): Promise<void> }> {
  if (backend === 'embedded') return { args: ['--data-dir', dataDir], env: {}, close: async () => undefined };
  const db: TestDatabase = await createTestDatabase();
  const s3: S3rverHandle = await startS3rver();
  return {
    args: ['--data-dir', dataDir, '--database-url', db.url, '--s3-endpoint', s3.endpoint, '--s3-bucket', s3.bucket, '--linger-ms', '5'],
    env: { AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey },
    async close() {
      await s3.close();
      await db.drop();
    },
  };
}

for (const backend of BACKENDS) {
  describe(`durability across kill -9 (${backend})`, async () => {
    const skip = await backendSkip(backend);
    it('keeps every acknowledged record, in order, once', { skip, timeout: 180_000 }, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'sh-durable-'));
      const s = await stores(backend, dataDir);
      let broker: BrokerProcess | null = await spawnBroker(s.args, s.env);
      try {
        const admin = await WireClient.connect('127.0.0.1', broker.port);
        await admin.send(ApiKey.Metadata, 4, { topics: [{ name: 'durable' }], allowAutoTopicCreation: true });
        await admin.close();
        const acked = new Map<string, { partition: number; offset: bigint }>();
        let stop = false;
        let sent = 0;
        const producers = await Promise.all([0, 1, 2].map(() => WireClient.connect('127.0.0.1', broker!.port)));
        const loops = producers.map(async (c, id) => {
          while (!stop) {
            const value = `p${id}-${sent++}`;
            const partition = 0;
            try {
              const res = await c.send(ApiKey.Produce, 9, {
                acks: -1, timeoutMs: 10_000,
                topicData: [{ name: 'durable', partitionData: [{ index: partition, records: buildBatch({ records: [{ key: null, value: Buffer.from(value) }] }) }] }],
              });
              const pr = res.responses[0].partitionResponses[0];
              if (pr.errorCode === ErrorCode.NONE) acked.set(value, { partition, offset: pr.baseOffset });
            } catch {
              return; // the broker died under us
            }
          }
        });
        // Let it run, then kill it while requests are in flight.
        while (acked.size < 300) await new Promise((r) => setTimeout(r, 20));
        await broker.kill9();
        stop = true;
        await Promise.all(loops);
        for (const c of producers) await c.close();
        const ackedAtKill = acked.size;
        assert.ok(ackedAtKill >= 300);

        broker = await spawnBroker(s.args, s.env);
        const reader = await WireClient.connect('127.0.0.1', broker.port);
        const restarted = broker;
        const log = await readPartition(reader, 'durable', 0, () => `; broker said: ${restarted.problems().join('\n')}`);
        await reader.close();
        // Offsets are dense from 0 and each value appears once.
        log.forEach((r, i) => assert.equal(r.offset, BigInt(i), `offset ${i} present`));
        const seen = new Set<string>();
        for (const r of log) {
          assert.ok(!seen.has(r.value), `duplicate ${r.value}`);
          seen.add(r.value);
        }
        const byValue = new Map(log.map((r) => [r.value, r.offset]));
        for (const [value, at] of acked) assert.equal(byValue.get(value), at.offset, `acknowledged ${value} at ${at.offset}`);
        // Per producer, the log keeps the order the producer saw.
        for (const id of [0, 1, 2]) {
          const mine = log.filter((r) => r.value.startsWith(`p${id}-`)).map((r) => Number(r.value.split('-')[1]));
          assert.deepEqual(mine, [...mine].sort((a, b) => a - b));
        }
        // The restarted broker keeps writing after what it had.
        const writer = await WireClient.connect('127.0.0.1', broker.port);
        const res = await writer.send(ApiKey.Produce, 9, {
          acks: -1, timeoutMs: 10_000,
          topicData: [{ name: 'durable', partitionData: [{ index: 0, records: buildBatch({ records: [{ key: null, value: Buffer.from('after') }] }) }] }],
        });
        assert.equal(res.responses[0].partitionResponses[0].baseOffset, BigInt(log.length));
        await writer.close();
      } finally {
        if (broker) await broker.kill9();
        await s.close();
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  });
}
