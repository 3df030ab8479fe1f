// Golden tests on real client bytes: frames that kafkajs and kcat (librdkafka, Debian's package)
// actually sent, and what the broker answered, captured by scripts/capture-fixtures.ts through
// test/support/capture-proxy.ts and committed under test/fixtures/clients/. This file reads only
// those fixtures: no broker, no client.
//
// Every request must decode (with the api key and version of its header, nothing left over) and
// re-encode to exactly the captured bytes; every response must decode with its request's api key
// and version and re-encode to the same bytes. Then a few fields we know the clients wrote (client
// ids, topic names, the records the capture script produced) are checked by value.
//
// Regenerating the fixtures (`npx tsx scripts/capture-fixtures.ts`) changes timestamps and ports,
// which nothing here depends on; the values below must stay in step with the CAPTURE constant there.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ApiKey, apiByKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { ApiVersionsRequest, ApiVersionsResponse } from '../../protocol/generated/api-versions.js';
import type { MetadataRequest, MetadataResponse } from '../../protocol/generated/metadata.js';
import type { ProduceRequest, ProduceResponse } from '../../protocol/generated/produce.js';
import type { FetchRequest, FetchResponse } from '../../protocol/generated/fetch.js';
import type { ListOffsetsRequest, ListOffsetsResponse } from '../../protocol/generated/list-offsets.js';
import type { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/generated/create-topics.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, type DecodedRequestOk } from '../../protocol/frames.js';
import { splitBatches } from '../../protocol/records/batches.js';
import { readBatchHeader, verifyBatchCrc } from '../../protocol/records/batch-header.js';
import { readRecords, type AbsoluteRecord } from '../../protocol/records/records.js';

const DIR = new URL('../fixtures/clients/', import.meta.url);

interface Entry {
  file: string;
  client: string;
  direction: 'request' | 'response';
  apiKey: number;
  api: string;
  apiVersion: number;
  correlationId: number;
  kind: string;
  request?: string;
}

const index = JSON.parse(readFileSync(new URL('index.json', DIR), 'utf8')) as { frames: Entry[] };
const entries = index.frames;
const requests = entries.filter((e) => e.direction === 'request');
const responses = entries.filter((e) => e.direction === 'response');

function load(file: string): Buffer {
  const text = readFileSync(new URL(file, DIR), 'utf8');
  assert.match(text, /^[0-9a-f\s]*$/, `${file} is not hex`);
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

/** The frame with its int32 size prefix, as it was on the wire (and as the encoders return it). */
function withSize(frame: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(frame.length);
  return Buffer.concat([size, frame]);
}

function decodeOk(file: string): DecodedRequestOk {
  const d = decodeRequest(load(file));
  assert.ok(d.ok, `${file}: ${d.ok ? '' : `${d.error.code}: ${d.error.message}`}`);
  return d;
}

/** The fixture of one client, api and kind (the script's label for what the frame is). */
function find(client: string, apiKey: number, kind?: string, direction: 'request' | 'response' = 'request'): Entry {
  const e = entries.find((x) => x.client === client && x.apiKey === apiKey && x.direction === direction && (kind === undefined || x.kind === kind));
  assert.ok(e, `no ${direction} fixture for ${client} ${apiByKey(apiKey)?.name ?? apiKey}${kind ? ` (${kind})` : ''}`);
  return e;
}

function requestBody<T>(client: string, apiKey: number, kind?: string): T {
  return decodeOk(find(client, apiKey, kind).file).body as T;
}

function responseBody<T>(client: string, apiKey: number, kind?: string): T {
  const e = find(client, apiKey, kind, 'response');
  return decodeResponse(e.apiKey, e.apiVersion, load(e.file)).body as T;
}

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));

/** The records of a `records` field: every batch (CRC checked), decompressed, as plain values. */
function recordsOf(records: Buffer | null): { compression: string[]; records: { offset: bigint; key: string | null; value: string | null; headers: [string, string | null][] }[] } {
  assert.ok(records !== null && records.length > 0, 'no records');
  const { batches } = splitBatches(records);
  const compression: string[] = [];
  const out: AbsoluteRecord[] = [];
  for (const batch of batches) {
    assert.ok(verifyBatchCrc(batch), 'batch CRC does not match');
    compression.push(readBatchHeader(batch).compression);
    out.push(...readRecords(batch));
  }
  return {
    compression,
    records: out.map((r) => ({ offset: r.offset, key: text(r.key), value: text(r.value), headers: r.headers.map((h): [string, string | null] => [h.key, text(h.value)]) })),
  };
}

const KAFKAJS = { clientId: 'golden-kafkajs', topic: 'golden-kafkajs' };
const KCAT = { clientId: 'rdkafka', topic: 'golden-kcat' };
const CLIENT_IDS: Record<string, string> = { kafkajs: KAFKAJS.clientId, kcat: KCAT.clientId };

describe('client fixtures: the set', () => {
  test('index.json lists exactly the .hex files, each response after its request', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.hex')).sort();
    assert.deepStrictEqual(entries.map((e) => e.file).sort(), files);
    for (const r of responses) {
      const req = entries.find((e) => e.file === r.request);
      assert.ok(req && req.direction === 'request', `${r.file}: request ${r.request} missing`);
      assert.deepStrictEqual([r.client, r.apiKey, r.apiVersion, r.correlationId], [req.client, req.apiKey, req.apiVersion, req.correlationId]);
    }
  });

  test('both clients: ApiVersions, Metadata, Produce, Fetch and ListOffsets requests, each answered', () => {
    for (const client of ['kafkajs', 'kcat']) {
      for (const apiKey of [ApiKey.ApiVersions, ApiKey.Metadata, ApiKey.Produce, ApiKey.Fetch, ApiKey.ListOffsets]) {
        const req = find(client, apiKey);
        assert.ok(responses.some((r) => r.request === req.file), `${req.file} has no response fixture`);
      }
    }
  });

  test('the set stays small (at most 40 files, under 200 KB)', () => {
    const files = readdirSync(DIR);
    assert.ok(files.length <= 41, `${files.length} files`);
    const bytes = files.reduce((n, f) => n + statSync(new URL(f, DIR)).size, 0);
    assert.ok(bytes < 200 * 1024, `${bytes} bytes`);
  });
});

describe('client fixtures: every request decodes and re-encodes to the same bytes', () => {
  for (const e of requests) {
    test(`${e.file}: ${e.api} v${e.apiVersion}`, () => {
      const frame = load(e.file);
      const d = decodeOk(e.file);
      assert.equal(d.apiKey, e.apiKey);
      assert.equal(d.header.apiVersion, e.apiVersion);
      assert.equal(d.header.correlationId, e.correlationId);
      assert.equal(d.header.clientId, CLIENT_IDS[e.client]);
      // Neither client writes tagged fields (librdkafka's flexible ApiVersions v3 request has
      // empty tag sections in header and body), so nothing is dropped on decode and the
      // re-encoding must be exact.
      const again = Buffer.concat(encodeRequest(d.apiKey, d.header.apiVersion, d.header.correlationId, d.header.clientId, d.body));
      assert.deepStrictEqual(again, withSize(frame));
    });
  }
});

describe('client fixtures: every broker response decodes with its request version and re-encodes to the same bytes', () => {
  for (const e of responses) {
    test(`${e.file}: ${e.api} v${e.apiVersion}`, () => {
      const frame = load(e.file);
      const { correlationId, body } = decodeResponse(e.apiKey, e.apiVersion, frame);
      assert.equal(correlationId, e.correlationId);
      assert.deepStrictEqual(Buffer.concat(encodeResponse(e.apiKey, e.apiVersion, correlationId, body as object)), withSize(frame));
    });
  }
});

describe('client fixtures: known fields', () => {
  test('ApiVersions: librdkafka names itself (v3, KIP-511); kafkajs uses v2, which has no names', () => {
    const kcat = find('kcat', ApiKey.ApiVersions);
    assert.ok(kcat.apiVersion >= 3);
    const body = requestBody<ApiVersionsRequest>('kcat', ApiKey.ApiVersions);
    assert.equal(body.clientSoftwareName, 'librdkafka');
    assert.match(body.clientSoftwareVersion, /^\d+\.\d+\.\d+/);
    assert.equal(decodeOk(kcat.file).header.headerVersion, 2);

    const kafkajs = find('kafkajs', ApiKey.ApiVersions);
    assert.equal(kafkajs.apiVersion, 2);
    assert.equal(decodeOk(kafkajs.file).header.headerVersion, 1);
    assert.deepStrictEqual(requestBody<ApiVersionsRequest>('kafkajs', ApiKey.ApiVersions), { clientSoftwareName: '', clientSoftwareVersion: '' });
  });

  test('ApiVersions responses: no error, and every version the clients then used is advertised', () => {
    for (const client of ['kafkajs', 'kcat']) {
      const res = responseBody<ApiVersionsResponse>(client, ApiKey.ApiVersions);
      assert.equal(res.errorCode, ErrorCode.NONE);
      for (const e of requests.filter((x) => x.client === client)) {
        const range = res.apiKeys.find((k) => k.apiKey === e.apiKey);
        assert.ok(range, `${client} sent ${e.api}, which is not advertised`);
        assert.ok(e.apiVersion >= range.minVersion && e.apiVersion <= range.maxVersion, `${e.file}: v${e.apiVersion} outside ${range.minVersion}-${range.maxVersion}`);
      }
    }
  });

  test('Metadata: for one topic and for all topics; the broker answers with itself as leader', () => {
    for (const [client, topic] of [['kafkajs', KAFKAJS.topic], ['kcat', KCAT.topic]] as const) {
      const one = requestBody<MetadataRequest>(client, ApiKey.Metadata, 'topics');
      assert.deepStrictEqual(one.topics?.map((t) => t.name), [topic]);
      assert.equal(requestBody<MetadataRequest>(client, ApiKey.Metadata, 'all-topics').topics, null);

      const res = responseBody<MetadataResponse>(client, ApiKey.Metadata, 'topics');
      assert.deepStrictEqual(res.brokers.map((b) => [b.nodeId, b.host]), [[1, '127.0.0.1']]);
      const t = res.topics.find((x) => x.name === topic);
      assert.ok(t, `${topic} missing from the response`);
      assert.equal(t.errorCode, ErrorCode.NONE);
      assert.deepStrictEqual(t.partitions.map((p) => [p.partitionIndex, p.errorCode, p.leaderId]), [[0, ErrorCode.NONE, 1]]);
    }
  });

  test('CreateTopics from kafkajs admin: v3 with replicationFactor -1 (a v4 feature, KIP-464), accepted', () => {
    const e = find('kafkajs', ApiKey.CreateTopics);
    assert.equal(e.apiVersion, 3);
    const body = requestBody<CreateTopicsRequest>('kafkajs', ApiKey.CreateTopics);
    assert.equal(body.validateOnly, false);
    // kafkajs leaves replicationFactor at -1 ("broker default") even though it speaks v3, where
    // Kafka's schema has no such value: the broker must accept it at every version.
    assert.deepStrictEqual(body.topics.map((t) => [t.name, t.numPartitions, t.replicationFactor, t.assignments, t.configs]), [[KAFKAJS.topic, 1, -1, [], []]]);
    const res = responseBody<CreateTopicsResponse>('kafkajs', ApiKey.CreateTopics);
    assert.deepStrictEqual(res.topics.map((t) => [t.name, t.errorCode]), [[KAFKAJS.topic, ErrorCode.NONE]]);
  });

  test('Produce from kafkajs: keys, values and headers, uncompressed and gzip', () => {
    const plain = requestBody<ProduceRequest>('kafkajs', ApiKey.Produce, 'none');
    assert.equal(plain.acks, -1);
    assert.deepStrictEqual(plain.topicData.map((t) => [t.name, t.partitionData.map((p) => p.index)]), [[KAFKAJS.topic, [0]]]);
    const p = recordsOf(plain.topicData[0].partitionData[0].records);
    assert.deepStrictEqual(p.compression, ['none']);
    assert.deepStrictEqual(
      p.records.map((r) => [r.key, r.value, r.headers]),
      [
        ['k1', 'kafkajs-plain-1', [['source', 'kafkajs'], ['n', '1']]],
        ['k2', 'kafkajs-plain-2', [['source', 'kafkajs'], ['n', '2']]],
      ],
    );

    const gzip = requestBody<ProduceRequest>('kafkajs', ApiKey.Produce, 'gzip');
    const g = recordsOf(gzip.topicData[0].partitionData[0].records);
    assert.deepStrictEqual(g.compression, ['gzip']);
    assert.deepStrictEqual(
      g.records.map((r) => [r.key, r.value, r.headers]),
      [
        ['k3', 'kafkajs-gzip-1', [['source', 'kafkajs'], ['n', '3']]],
        ['k4', 'kafkajs-gzip-2', [['source', 'kafkajs'], ['n', '4']]],
      ],
    );

    const offsets = ['none', 'gzip'].map((kind) => {
      const res = responseBody<ProduceResponse>('kafkajs', ApiKey.Produce, kind);
      const part = res.responses[0].partitionResponses[0];
      assert.equal(part.errorCode, ErrorCode.NONE);
      return part.baseOffset;
    });
    assert.deepStrictEqual(offsets, [0n, 2n]);
  });

  test('Produce from kcat -K : -H source=kcat -H n=1: keys, values and headers', () => {
    const body = requestBody<ProduceRequest>('kcat', ApiKey.Produce);
    assert.equal(body.acks, -1);
    assert.equal(body.topicData[0].name, KCAT.topic);
    const r = recordsOf(body.topicData[0].partitionData[0].records);
    assert.deepStrictEqual(
      r.records.map((x) => [x.key, x.value, x.headers]),
      [
        ['k1', 'kcat-1', [['source', 'kcat'], ['n', '1']]],
        ['k2', 'kcat-2', [['source', 'kcat'], ['n', '1']]],
      ],
    );
    const res = responseBody<ProduceResponse>('kcat', ApiKey.Produce);
    assert.deepStrictEqual(res.responses.map((t) => [t.name, t.partitionResponses.map((x) => [x.index, x.errorCode, x.baseOffset])]), [[KCAT.topic, [[0, ErrorCode.NONE, 0n]]]]);
  });

  test('ListOffsets: earliest (-2) and by timestamp, both answered with offset 0', () => {
    for (const [client, topic] of [['kafkajs', KAFKAJS.topic], ['kcat', KCAT.topic]] as const) {
      const earliest = requestBody<ListOffsetsRequest>(client, ApiKey.ListOffsets, 'timestamp:-2');
      assert.deepStrictEqual(earliest.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.timestamp])]), [[topic, [[0, -2n]]]]);
      const byTime = requestBody<ListOffsetsRequest>(client, ApiKey.ListOffsets, 'timestamp');
      assert.ok(byTime.topics[0].partitions[0].timestamp > 1_600_000_000_000n);
      for (const kind of ['timestamp:-2', 'timestamp']) {
        const res = responseBody<ListOffsetsResponse>(client, ApiKey.ListOffsets, kind);
        assert.deepStrictEqual(res.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode, p.offset])]), [[topic, [[0, ErrorCode.NONE, 0n]]]]);
      }
    }
  });

  test('Fetch from offset 0, answered with every record the client produced', () => {
    const expected: Record<string, { topic: string; values: string[] }> = {
      kafkajs: { topic: KAFKAJS.topic, values: ['kafkajs-plain-1', 'kafkajs-plain-2', 'kafkajs-gzip-1', 'kafkajs-gzip-2'] },
      kcat: { topic: KCAT.topic, values: ['kcat-1', 'kcat-2'] },
    };
    for (const [client, { topic, values }] of Object.entries(expected)) {
      const req = requestBody<FetchRequest>(client, ApiKey.Fetch, 'with-records');
      assert.equal(req.replicaId, -1);
      assert.deepStrictEqual(req.topics.map((t) => [t.topic, t.partitions.map((p) => [p.partition, p.fetchOffset])]), [[topic, [[0, 0n]]]]);

      const res = responseBody<FetchResponse>(client, ApiKey.Fetch, 'with-records');
      assert.equal(res.errorCode, ErrorCode.NONE);
      const part = res.responses[0].partitions[0];
      assert.equal(res.responses[0].topic, topic);
      assert.equal(part.errorCode, ErrorCode.NONE);
      assert.equal(part.highWatermark, BigInt(values.length));
      const got = recordsOf(part.records).records;
      assert.deepStrictEqual(got.map((r) => [r.offset, r.value]), values.map((v, i) => [BigInt(i), v]));
    }
  });
});
