/**
 * The broker over TCP with our own wire client: every data-path API, the error codes bad input
 * gets, and that a misbehaving connection never hurts another. Runs on both backends.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { WireClient } from '../../src/client/wire-client.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { encodeRequest, decodeResponse } from '../../protocol/frames.js';
import { buildBatch, readRecords, splitBatches } from '../../protocol/records/index.js';
import { BACKENDS, backendSkip, startTestBroker, type TestBroker } from '../support/broker.js';

function batch(values: string[], timestamp = BigInt(Date.now())): Buffer {
  return buildBatch({
    records: values.map((v, i) => ({ key: Buffer.from(`key-${v}`), value: Buffer.from(v), timestamp: timestamp + BigInt(i), headers: [{ key: 'h', value: Buffer.from(v) }] })),
  });
}

function values(records: Buffer | null): string[] {
  if (!records || records.length === 0) return [];
  return splitBatches(records).batches.flatMap((b) => readRecords(b).map((r) => r.value!.toString()));
}

async function produce(c: WireClient, topic: string, partition: number, records: Buffer, version = 9) {
  const res = await c.send(ApiKey.Produce, version, { acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
  return res.responses[0].partitionResponses[0];
}

async function fetchFrom(c: WireClient, topic: string, partition: number, offset: bigint, opts: { version?: number; maxWaitMs?: number; minBytes?: number; maxBytes?: number; topicId?: string } = {}) {
  const version = opts.version ?? 12;
  const res = await c.send(ApiKey.Fetch, version, {
    replicaId: -1,
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: opts.minBytes ?? 1,
    maxBytes: opts.maxBytes ?? 50 << 20,
    topics: [{ topic: version < 13 ? topic : '', topicId: version >= 13 ? opts.topicId : undefined, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: opts.maxBytes ?? 10 << 20 }] }],
  });
  return res.responses[0].partitions[0];
}

for (const backend of BACKENDS) {
  describe(`broker over the wire (${backend})`, async () => {
    const skip = await backendSkip(backend);
    let tb: TestBroker;
    let c: WireClient;

    before(async () => {
      if (skip) return;
      tb = await startTestBroker(backend, { defaultPartitions: 2 });
      c = await WireClient.connect('127.0.0.1', tb.broker.port);
    });
    after(async () => {
      if (skip) return;
      await c.close();
      await tb.stop();
    });

    it('answers ApiVersions in every version, and a newer one with UNSUPPORTED_VERSION in v0', { skip }, async () => {
      for (let v = 0; v <= 4; v++) {
        const res = await c.send(ApiKey.ApiVersions, v, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
        assert.equal(res.errorCode, ErrorCode.NONE);
        const produceRange = res.apiKeys.find((k) => k.apiKey === ApiKey.Produce)!;
        assert.deepEqual([produceRange.minVersion, produceRange.maxVersion], [3, 11]);
      }
      const chunks = encodeRequest(ApiKey.ApiVersions, 4, 0, 'future', {});
      chunks[0].writeInt16BE(99, 6); // api version field of the header
      const frame = await c.sendRaw(ApiKey.ApiVersions, 0, chunks);
      const res = decodeResponse(ApiKey.ApiVersions, 0, frame).body;
      assert.equal(res.errorCode, ErrorCode.UNSUPPORTED_VERSION);
      assert.ok(res.apiKeys.some((k) => k.apiKey === ApiKey.Fetch));
    });

    it('auto-creates a topic on Metadata and lists it', { skip }, async () => {
      const md = await c.send(ApiKey.Metadata, 12, { topics: [{ name: 'auto-made' }], allowAutoTopicCreation: true });
      assert.equal(md.topics[0].errorCode, ErrorCode.NONE);
      assert.equal(md.topics[0].partitions.length, 2);
      assert.equal(md.brokers[0].port, tb.broker.port);
      const all = await c.send(ApiKey.Metadata, 1, { topics: null });
      assert.ok(all.topics.some((t) => t.name === 'auto-made'));
      const none = await c.send(ApiKey.Metadata, 12, { topics: [{ name: 'not-there' }], allowAutoTopicCreation: false });
      assert.equal(none.topics[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      const bad = await c.send(ApiKey.Metadata, 12, { topics: [{ name: 'bad name!' }], allowAutoTopicCreation: true });
      assert.equal(bad.topics[0].errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    });

    it('produces and fetches whole batches in old and new versions', { skip }, async () => {
      await c.send(ApiKey.Metadata, 12, { topics: [{ name: 'wire' }], allowAutoTopicCreation: true });
      const a = await produce(c, 'wire', 0, batch(['a', 'b', 'c']), 3);
      assert.equal(a.errorCode, ErrorCode.NONE);
      assert.equal(a.baseOffset, 0n);
      const b = await produce(c, 'wire', 0, batch(['d', 'e']), 11);
      assert.equal(b.baseOffset, 3n);
      const md = await c.send(ApiKey.Metadata, 12, { topics: [{ name: 'wire' }] });
      const topicId = md.topics[0].topicId;
      for (const version of [4, 7, 11, 12, 13, 15, 17]) {
        const p = await fetchFrom(c, 'wire', 0, 0n, { version, topicId });
        assert.equal(p.errorCode, ErrorCode.NONE);
        assert.equal(p.highWatermark, 5n);
        assert.deepEqual(values(p.records), ['a', 'b', 'c', 'd', 'e']);
      }
      // Mid-batch offset: the whole batch holding it comes back.
      const mid = await fetchFrom(c, 'wire', 0, 4n);
      assert.deepEqual(values(mid.records), ['d', 'e']);
      const unknownId = await fetchFrom(c, 'wire', 0, 0n, { version: 13, topicId: '00000000-0000-0000-0000-00000000abcd' });
      assert.equal(unknownId.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
    });

    it('answers a fetch at the end with empty (not null) records, past the end with OFFSET_OUT_OF_RANGE', { skip }, async () => {
      const atEnd = await fetchFrom(c, 'wire', 0, 5n);
      assert.equal(atEnd.errorCode, ErrorCode.NONE);
      assert.ok(atEnd.records !== null && atEnd.records.length === 0);
      const past = await fetchFrom(c, 'wire', 0, 6n);
      assert.equal(past.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    });

    it('long-polls: a waiting fetch is woken by a produce', { skip }, async () => {
      const other = await WireClient.connect('127.0.0.1', tb.broker.port);
      const started = Date.now();
      const waiting = fetchFrom(c, 'wire', 1, 0n, { maxWaitMs: 20_000, minBytes: 1 });
      await new Promise((r) => setTimeout(r, 100));
      await produce(other, 'wire', 1, batch(['late']));
      const p = await waiting;
      assert.deepEqual(values(p.records), ['late']);
      assert.ok(Date.now() - started < 15_000, 'woken by the produce, not by the timeout');
      await other.close();
    });

    it('honours max bytes, returning at least one batch', { skip }, async () => {
      const p = await fetchFrom(c, 'wire', 0, 0n, { maxBytes: 10 });
      assert.deepEqual(values(p.records), ['a', 'b', 'c']);
    });

    it('ListOffsets: earliest, latest, by timestamp, max timestamp', { skip }, async () => {
      await c.send(ApiKey.Metadata, 12, { topics: [{ name: 'times' }], allowAutoTopicCreation: true });
      await produce(c, 'times', 0, batch(['t0', 't1'], 1_000n));
      await produce(c, 'times', 0, batch(['t2', 't3'], 5_000n));
      const ask = async (timestamp: bigint, version = 7) => {
        const res = await c.send(ApiKey.ListOffsets, version, { replicaId: -1, topics: [{ name: 'times', partitions: [{ partitionIndex: 0, timestamp }] }] });
        return res.topics[0].partitions[0];
      };
      assert.equal((await ask(-2n)).offset, 0n);
      assert.equal((await ask(-1n)).offset, 4n);
      assert.deepEqual([(await ask(1_001n)).offset, (await ask(1_001n)).timestamp], [1n, 1_001n]);
      assert.deepEqual([(await ask(2_000n)).offset, (await ask(2_000n)).timestamp], [2n, 5_000n]);
      assert.deepEqual([(await ask(9_999n)).offset, (await ask(9_999n)).timestamp], [-1n, -1n]);
      assert.deepEqual([(await ask(-3n)).offset, (await ask(-3n)).timestamp], [3n, 5_001n]);
      assert.equal((await ask(1_001n, 1)).offset, 1n);
    });

    it('rejects bad produce input with Kafka error codes and stays up', { skip }, async () => {
      const corrupt = batch(['x']);
      corrupt[corrupt.length - 1] ^= 0xff;
      assert.equal((await produce(c, 'wire', 0, corrupt)).errorCode, ErrorCode.CORRUPT_MESSAGE);
      assert.equal((await produce(c, 'nope', 0, batch(['x']))).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      assert.equal((await produce(c, 'wire', 7, batch(['x']))).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      const big = batch(['y'.repeat(2 << 20)]);
      assert.equal((await produce(c, 'wire', 0, big)).errorCode, ErrorCode.MESSAGE_TOO_LARGE);
      const legacy = Buffer.from(batch(['z']));
      legacy[16] = 1; // magic byte
      assert.equal((await produce(c, 'wire', 0, legacy)).errorCode, ErrorCode.INVALID_RECORD);
      const p = await fetchFrom(c, 'wire', 0, 0n);
      assert.deepEqual(values(p.records), ['a', 'b', 'c', 'd', 'e'], 'nothing bad was written');
    });

    it('closes a connection that sends an oversized or garbage frame; others are unaffected', { skip }, async () => {
      const closed = (payload: Buffer) =>
        new Promise<void>((resolve, reject) => {
          const s = net.connect(tb.broker.port, '127.0.0.1', () => s.write(payload));
          s.on('error', () => undefined);
          s.on('close', () => resolve());
          setTimeout(() => reject(new Error('connection not closed')), 10_000).unref();
        });
      const huge = Buffer.alloc(4);
      huge.writeInt32BE(200 * 1024 * 1024);
      await closed(huge);
      const garbage = Buffer.concat([Buffer.from([0, 0, 0, 12]), Buffer.from('not kafka at all')]).subarray(0, 16);
      await closed(garbage);
      const unknownApi = Buffer.from([0, 0, 0, 10, 0x7f, 0x00, 0, 0, 0, 0, 0, 1, 0, 0]);
      await closed(unknownApi);
      const res = await c.send(ApiKey.ApiVersions, 3, {});
      assert.equal(res.errorCode, ErrorCode.NONE);
    });

    it('pipelines requests and answers them in order', { skip }, async () => {
      const answers = await Promise.all([
        fetchFrom(c, 'wire', 1, 0n, { maxWaitMs: 300, minBytes: 1 << 20 }),
        c.send(ApiKey.ApiVersions, 3, {}),
        produce(c, 'wire', 1, batch(['p1'])),
        fetchFrom(c, 'wire', 0, 0n),
      ]);
      assert.equal(answers[1].errorCode, ErrorCode.NONE);
      assert.equal(answers[2].errorCode, ErrorCode.NONE);
      assert.deepEqual(values(answers[3].records), ['a', 'b', 'c', 'd', 'e']);
    });
  });
}
