/**
 * The bench's catch-up consumer reads a topic from offset 0 to given end offsets, `passes` times
 * over on the same connections: every record of every pass is counted once, the read ends at the
 * last pass, and the first pass's time is reported when there were several.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WireClient } from '../../src/client/wire-client.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { buildBatch } from '../../protocol/records/index.js';
import { startBroker, type Broker } from '../../src/broker.js';
import { ConsumerRun, endOffsets } from '../../bench/load/consumer.js';
import type { ConsumeJob } from '../../bench/load/messages.js';

const TOPIC = 'passes';
const PARTITIONS = 3;

describe('bench consumer: catch-up passes', () => {
  let dataDir: string;
  let broker: Broker;
  let client: WireClient;
  let until: bigint[];
  let writtenBytes = 0;
  let writtenRecords = 0;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sh-bench-passes-'));
    broker = await startBroker({ dataDir, logLevel: 'warn' });
    client = await WireClient.connect('127.0.0.1', broker.port);
    const created = await client.send(ApiKey.CreateTopics, 7, { topics: [{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    assert.equal(created.topics[0].errorCode, ErrorCode.NONE);
    // Partition p gets p + 2 batches of p + 1 records: unequal partitions end their passes apart.
    for (let p = 0; p < PARTITIONS; p++) {
      for (let b = 0; b < p + 2; b++) {
        const records = buildBatch({ records: Array.from({ length: p + 1 }, (_, i) => ({ key: null, value: Buffer.from(`p${p}b${b}r${i}`) })) });
        const res = await client.send(ApiKey.Produce, 9, { acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: p, records }] }] });
        assert.equal(res.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
        writtenBytes += records.length;
        writtenRecords += p + 1;
      }
    }
    until = await endOffsets(client, TOPIC, PARTITIONS);
  });
  after(async () => {
    await client.close();
    await broker.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  function job(passes: number, assignments: number[][]): ConsumeJob {
    return { kind: 'consume', host: '127.0.0.1', port: broker.port, topic: TOPIC, assignments, from: 'earliest', until, passes, stampAt: 0, maxWaitMs: 100, partitionMaxBytes: 1 << 20, maxBytes: 1 << 20 };
  }

  async function read(passes: number, assignments: number[][]) {
    const run = new ConsumerRun(job(passes, assignments));
    await run.start();
    return run.finish(null, 10_000);
  }

  it('reads everything once with one pass, and reports no first pass', async () => {
    const r = await read(1, [[0, 1, 2]]);
    assert.equal(r.reachedEnd, true);
    assert.equal(r.bytes, writtenBytes);
    assert.equal(r.records, writtenRecords);
    assert.equal(r.firstPassMs, null);
  });

  it('reads everything as many times as asked, over connections that share the partitions', async () => {
    for (const assignments of [[[0, 1, 2]], [[0, 2], [1]]]) {
      const r = await read(4, assignments);
      assert.equal(r.reachedEnd, true);
      assert.deepEqual(r.errors, {});
      assert.equal(r.bytes, 4 * writtenBytes);
      assert.equal(r.records, 4 * writtenRecords);
      assert.ok(r.firstPassMs !== null && r.firstPassMs > 0 && r.firstPassMs <= r.durationMs, `first pass ${r.firstPassMs} ms of ${r.durationMs}`);
      assert.ok(r.fetches >= 4, `${r.fetches} fetches for 4 passes`);
    }
  });
});
