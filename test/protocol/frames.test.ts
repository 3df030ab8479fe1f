// Frame-level behaviour (headers, version handling, failures) and encoder semantics (defaults,
// ignorable fields, nullability), plus the API and error tables.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiKey, apiByKey, apiInfo, apis } from '../../protocol/generated/api-keys.js';
import { ErrorCode, errorInfo } from '../../protocol/generated/error-codes.js';
import { readFetchRequest, writeFetchRequest } from '../../protocol/generated/fetch.js';
import { writeMetadataRequest } from '../../protocol/generated/metadata.js';
import { readApiVersionsResponse } from '../../protocol/generated/api-versions.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../protocol/frames.js';
import { DecodeError } from '../../protocol/runtime/decode-error.js';
import { Reader } from '../../protocol/runtime/reader.js';
import { Writer } from '../../protocol/runtime/writer.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]+/g, ''), 'hex');

function encoded(f: (w: Writer) => void): Buffer {
  const w = new Writer();
  f(w);
  return w.toBuffer();
}

describe('decodeRequest failures', () => {
  test('a frame shorter than the fixed header has no header', () => {
    const d = decodeRequest(hex('0012 0003 0000'));
    assert.equal(d.ok, false);
    assert.ok(!d.ok && d.header === null && d.error.code === 'TRUNCATED');
  });

  test('unknown api key: header fields are still returned', () => {
    for (const key of [88, 1000, -1, 0x7fff]) {
      const b = Buffer.alloc(12);
      b.writeInt16BE(key, 0);
      b.writeInt32BE(77, 4);
      const d = decodeRequest(b);
      assert.ok(!d.ok);
      assert.equal(d.error.code, 'UNKNOWN_API');
      assert.deepStrictEqual(d.header, { apiKey: key, apiVersion: 0, correlationId: 77 });
    }
  });

  test('unsupported version: header fields are still returned', () => {
    for (const version of [12, -1, 0x7fff]) {
      const d = decodeRequest(hex(`0000 ${(version & 0xffff).toString(16).padStart(4, '0')} 00000005 0000`));
      assert.ok(!d.ok);
      assert.equal(d.error.code, 'UNSUPPORTED_VERSION');
      assert.deepStrictEqual(d.header, { apiKey: 0, apiVersion: version, correlationId: 5 });
    }
  });

  test('ApiVersions newer than we know: header read as v2, client id included', () => {
    // v9 request from a future client: header v2, then a body we cannot know.
    const d = decodeRequest(hex('0012 0009 0000002a | 0003 636c69 | 00 | 0102030405'));
    assert.ok(!d.ok);
    assert.equal(d.error.code, 'UNSUPPORTED_VERSION');
    assert.deepStrictEqual(d.header, { apiKey: 18, apiVersion: 9, correlationId: 42, clientId: 'cli' });
    // The broker's answer: ApiVersions v0 with UNSUPPORTED_VERSION under the same correlation id.
    const reply = Buffer.concat(encodeResponse(ApiKey.ApiVersions, 0, d.header!.correlationId, {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 4 }],
    }));
    assert.deepStrictEqual(reply, hex('00000010 0000002a 0023 00000001 0012 0000 0004'));
  });

  test('ApiVersions newer than we know with a truncated header still gives the fixed fields', () => {
    const d = decodeRequest(hex('0012 0009 0000002a 0010 6363'));
    assert.ok(!d.ok);
    assert.equal(d.error.code, 'UNSUPPORTED_VERSION');
    assert.deepStrictEqual(d.header, { apiKey: 18, apiVersion: 9, correlationId: 42 });
  });

  test('bytes after the body are rejected', () => {
    const good = Buffer.concat(encodeRequest(ApiKey.ApiVersions, 2, 1, 'c', {})).subarray(4);
    assert.ok(decodeRequest(good).ok);
    const d = decodeRequest(Buffer.concat([good, hex('00')]));
    assert.ok(!d.ok);
    assert.equal(d.error.code, 'INVALID_LENGTH');
    assert.deepStrictEqual(d.header, { apiKey: 18, apiVersion: 2, correlationId: 1, clientId: 'c' });
  });

  test('decodeResponse throws DecodeError', () => {
    assert.throws(() => decodeResponse(ApiKey.Heartbeat, 4, hex('00000005')), DecodeError);
    assert.throws(() => decodeResponse(500, 0, hex('00000005')), (e: unknown) => e instanceof DecodeError && e.code === 'UNKNOWN_API');
    assert.throws(() => decodeResponse(ApiKey.Heartbeat, 9, hex('00000005')), (e: unknown) => e instanceof DecodeError && e.code === 'UNSUPPORTED_VERSION');
  });

  test('encoders refuse unknown APIs and versions (programming errors)', () => {
    assert.throws(() => encodeResponse(500, 0, 1, {}), /unknown api key/);
    assert.throws(() => encodeResponse(ApiKey.Produce, 12, 1, {}), /outside versions/);
    assert.throws(() => encodeRequest(ApiKey.Produce, -1, 1, null, {}), /outside versions/);
  });

  test('response chunks start with the size and reference large records', () => {
    const records = Buffer.alloc(1 << 20, 1);
    const chunks = encodeResponse(ApiKey.Fetch, 12, 3, { responses: [{ topic: 't', partitions: [{ records }] }] });
    assert.ok(chunks.includes(records));
    const total = chunks.reduce((n, c) => n + c.length, 0);
    assert.equal(chunks[0].readInt32BE(0), total - 4);
  });
});

describe('encoder semantics', () => {
  test('missing fields are written as their defaults', () => {
    const r = readFetchRequest(new Reader(encoded((w) => writeFetchRequest(w, {}, 12))), 12);
    assert.equal(r.replicaId, -1);
    assert.equal(r.maxBytes, 0x7fffffff);
    assert.equal(r.sessionEpoch, -1);
    assert.equal(r.clusterId, null);
    assert.deepStrictEqual(r.replicaState, { replicaId: -1, replicaEpoch: -1n });
    assert.deepStrictEqual(r.topics, []);
  });

  test('a non-default non-ignorable field in a version without it throws', () => {
    assert.throws(() => encoded((w) => writeFetchRequest(w, { replicaId: 5 }, 15)), /FetchRequest.replicaId is not supported in version 15/);
    assert.throws(() => encoded((w) => writeFetchRequest(w, { replicaState: { replicaId: 1 } }, 14)), /replicaState/);
    assert.throws(() => encoded((w) => writeMetadataRequest(w, { allowAutoTopicCreation: false }, 3)), /allowAutoTopicCreation/);
    // The default value itself is fine.
    encoded((w) => writeFetchRequest(w, { replicaId: -1, replicaState: { replicaId: -1 } }, 14));
  });

  test('a non-default ignorable field in a version without it is dropped', () => {
    const old = readFetchRequest(new Reader(encoded((w) => writeFetchRequest(w, { maxBytes: 5, rackId: 'r' }, 2))), 2);
    assert.equal(old.maxBytes, 0x7fffffff);
    assert.equal(old.rackId, '');
  });

  test('null in a version where the field is not nullable throws', () => {
    assert.throws(() => encoded((w) => writeMetadataRequest(w, { topics: null }, 0)), /MetadataRequest.topics is not nullable in version 0/);
    encoded((w) => writeMetadataRequest(w, { topics: null }, 1));
  });

  test('tagged fields are written only when not default, in tag order', () => {
    const plain = encoded((w) => writeFetchRequest(w, {}, 15));
    const tagged = encoded((w) => writeFetchRequest(w, { replicaState: { replicaId: 2, replicaEpoch: 3n }, clusterId: 'c' }, 15));
    // Last byte of the plain request: zero tagged fields.
    assert.equal(plain[plain.length - 1], 0);
    // Tagged section: count 2; tag 0 (ClusterId, 2 bytes: compact "c"); tag 1 (ReplicaState: int32, int64, no tags).
    assert.deepStrictEqual(tagged.subarray(plain.length - 1), hex('02 | 00 02 0263 | 01 0d 00000002 0000000000000003 00'));
  });

  test('ApiVersions: tagged arrays round-trip, empty ones are omitted', () => {
    const m = { apiKeys: [], supportedFeatures: [{ name: 'x', minVersion: 0, maxVersion: 1 }] };
    const r = readApiVersionsResponse(new Reader(encoded((w) => apiInfo(ApiKey.ApiVersions).writeResponse(w, m, 3))), 3);
    assert.deepStrictEqual(r.supportedFeatures, m.supportedFeatures);
    assert.deepStrictEqual(r.finalizedFeatures, []);
  });
});

describe('API table', () => {
  test('88 APIs, keys 0-87, with their version ranges', () => {
    assert.equal(apis.length, 88);
    assert.deepStrictEqual(apis.map((a) => a.key), Array.from({ length: 88 }, (_, i) => i));
    assert.equal(ApiKey.Produce, 0);
    assert.equal(ApiKey.DescribeTopicPartitions, 75);
    const produce = apiByKey(ApiKey.Produce)!;
    assert.deepStrictEqual(
      { min: produce.minVersion, max: produce.maxVersion, flex: produce.flexibleFrom, dep: produce.deprecated, l: produce.listeners },
      { min: 0, max: 11, flex: 9, dep: { min: 0, max: 6 }, l: ['broker', 'zkBroker'] },
    );
    assert.equal(apiByKey(ApiKey.SaslHandshake)!.flexibleFrom, null);
    assert.equal(apiByKey(ApiKey.ShareFetch)!.latestVersionUnstable, true);
    assert.equal(apiByKey(88), undefined);
    assert.equal(apiByKey(-1), undefined);
    assert.equal(apiByKey(1.5), undefined);
  });

  test('header versions', () => {
    const cs = apiByKey(ApiKey.ControlledShutdown)!;
    assert.deepStrictEqual([0, 1, 2, 3].map((v) => cs.requestHeaderVersion(v)), [0, 1, 1, 2]);
    const av = apiByKey(ApiKey.ApiVersions)!;
    assert.deepStrictEqual([0, 3, 4].map((v) => av.requestHeaderVersion(v)), [1, 2, 2]);
    assert.deepStrictEqual([0, 3, 4].map((v) => av.responseHeaderVersion(v)), [0, 0, 0]);
    const fetch = apiByKey(ApiKey.Fetch)!;
    assert.deepStrictEqual([11, 12].map((v) => fetch.requestHeaderVersion(v)), [1, 2]);
    assert.deepStrictEqual([11, 12].map((v) => fetch.responseHeaderVersion(v)), [0, 1]);
    const sasl = apiByKey(ApiKey.SaslHandshake)!;
    assert.deepStrictEqual([0, 1].map((v) => sasl.responseHeaderVersion(v)), [0, 0]);
  });
});

describe('error codes', () => {
  test('constants and info', () => {
    assert.equal(ErrorCode.NONE, 0);
    assert.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
    assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
    assert.deepStrictEqual(errorInfo(6), {
      name: 'NOT_LEADER_OR_FOLLOWER',
      code: 6,
      retriable: true,
      message: 'For requests intended only for the leader, this error indicates that the broker is not the current leader. For requests intended for any replica, this error indicates that the broker is not a replica of the topic partition.',
    });
    assert.equal(errorInfo(0)!.message, null);
    assert.equal(errorInfo(9999), undefined);
    const all = Object.values(ErrorCode).map((c) => errorInfo(c)!);
    assert.equal(all.length, 129);
    assert.equal(all.filter((e) => e.retriable).length, 31);
  });
});
