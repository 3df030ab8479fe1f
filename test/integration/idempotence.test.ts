/**
 * Idempotent producers: a batch resent with the same producer id, epoch and sequence (a retry
 * after a lost response) gets its original offset back and the log keeps one copy; sequence gaps
 * and stale epochs get Kafka's errors; the state survives a restart.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WireClient } from '../../src/client/wire-client.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { buildBatch } from '../../protocol/records/index.js';
import { startBroker, type Broker } from '../../src/broker.js';
import { readValues } from '../support/read-log.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function batch(producerId: bigint, producerEpoch: number, baseSequence: number, values: string[]): Buffer {
  return buildBatch({ producerId, producerEpoch, baseSequence, records: values.map((v) => ({ key: null, value: Buffer.from(v) })) });
}

async function produce(c: WireClient, records: Buffer) {
  const res = await c.send(ApiKey.Produce, 9, { acks: -1, timeoutMs: 5000, topicData: [{ name: 'idem', partitionData: [{ index: 0, records }] }] });
  return res.responses[0].partitionResponses[0];
}

describe('idempotent producer over the wire', () => {
  let dataDir: string;
  let broker: Broker;
  let c: WireClient;
  let producerId: bigint;
  let epoch: number;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sh-idem-'));
    broker = await startBroker({ dataDir });
    c = await WireClient.connect('127.0.0.1', broker.port);
    await c.send(ApiKey.Metadata, 12, { topics: [{ name: 'idem' }], allowAutoTopicCreation: true });
    const init = await c.send(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    assert.equal(init.errorCode, ErrorCode.NONE);
    producerId = init.producerId;
    epoch = init.producerEpoch;
  });
  after(async () => {
    await c.close();
    await broker.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('gives producer ids that differ', async () => {
    const again = await c.send(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    assert.notEqual(again.producerId, producerId);
  });

  it('answers a resent batch with its original offset and keeps one copy', async () => {
    const first = await produce(c, batch(producerId, epoch, 0, ['a', 'b']));
    assert.equal(first.errorCode, ErrorCode.NONE);
    assert.equal(first.baseOffset, 0n);
    const second = await produce(c, batch(producerId, epoch, 2, ['c']));
    assert.equal(second.baseOffset, 2n);
    const retry = await produce(c, batch(producerId, epoch, 0, ['a', 'b']));
    assert.equal(retry.errorCode, ErrorCode.NONE);
    assert.equal(retry.baseOffset, 0n, 'the original offset');
    assert.deepEqual(await readValues(c, 'idem', 0), ['a', 'b', 'c']);
  });

  it('deduplicates a retry sent while the original is still being flushed', async () => {
    const b = batch(producerId, epoch, 3, ['d']);
    const [x, y] = await Promise.all([produce(c, b), produce(c, Buffer.from(b))]);
    assert.equal(x.errorCode, ErrorCode.NONE);
    assert.equal(y.errorCode, ErrorCode.NONE);
    assert.equal(x.baseOffset, y.baseOffset);
    assert.deepEqual(await readValues(c, 'idem', 0), ['a', 'b', 'c', 'd']);
  });

  it('rejects a sequence gap and a stale epoch', async () => {
    const gap = await produce(c, batch(producerId, epoch, 10, ['gap']));
    assert.equal(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const stale = await produce(c, batch(producerId, epoch - 1, 4, ['old']));
    assert.ok(stale.errorCode === ErrorCode.INVALID_PRODUCER_EPOCH || stale.errorCode === ErrorCode.PRODUCER_FENCED);
    assert.deepEqual(await readValues(c, 'idem', 0), ['a', 'b', 'c', 'd']);
  });

  it('recognises retries after a restart, from the log itself', async () => {
    await c.close();
    await broker.stop();
    broker = await startBroker({ dataDir });
    c = await WireClient.connect('127.0.0.1', broker.port);
    const retry = await produce(c, batch(producerId, epoch, 3, ['d']));
    assert.equal(retry.errorCode, ErrorCode.NONE);
    assert.equal(retry.baseOffset, 3n);
    const next = await produce(c, batch(producerId, epoch, 4, ['e']));
    assert.equal(next.baseOffset, 4n);
    assert.deepEqual(await readValues(c, 'idem', 0), ['a', 'b', 'c', 'd', 'e']);
  });
});
