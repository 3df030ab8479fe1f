// Frames written out byte by byte from the Kafka protocol guide, independent of our encoder:
// each is checked in both directions (our encoder produces exactly these bytes, our decoder reads
// them back to the expected message).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../protocol/frames.js';

// Test vectors: hex digits, `|` between fields for readability, `#` comments to the end of a line.
const hex = (s: string): Buffer => Buffer.from(s.replace(/#.*$/gm, '').replace(/[\s|]+/g, ''), 'hex');
const frame = (s: string): Buffer => {
  const b = hex(s);
  assert.equal(b.readInt32BE(0), b.length - 4, 'test vector has a wrong size prefix');
  return b;
};

describe('hand-computed requests', () => {
  test('ApiVersions v3 (flexible body, request header v2 with a classic ClientId)', () => {
    const bytes = frame(`
      00000016
      0012 0003 00000001 | 0003 636c69 | 00   # header v2: key 18, v3, corr 1, "cli" (int16 length), no tags
      03 7368 | 04 312e30 | 00   # ClientSoftwareName "sh", ClientSoftwareVersion "1.0" (compact), no tags`);
    const body = { clientSoftwareName: 'sh', clientSoftwareVersion: '1.0' };
    assert.deepStrictEqual(Buffer.concat(encodeRequest(ApiKey.ApiVersions, 3, 1, 'cli', body)), bytes);
    const d = decodeRequest(bytes.subarray(4));
    assert.ok(d.ok);
    assert.deepStrictEqual(d.header, { apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'cli', headerVersion: 2 });
    assert.deepStrictEqual(d.body, body);
  });

  test('Metadata v1 with one topic, and with null topics (all topics)', () => {
    const one = frame(`
      00000015
      0003 0001 00000002 | 0003 636c69   # header v1: key 3, v1, corr 2, "cli"
      00000001 | 0002 7431   # topics: [ { name: "t1" } ]`);
    const body = { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 't1' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
    assert.deepStrictEqual(Buffer.concat(encodeRequest(ApiKey.Metadata, 1, 2, 'cli', { topics: [{ name: 't1' }] })), one);
    const d = decodeRequest(one.subarray(4));
    assert.ok(d.ok);
    assert.deepStrictEqual(d.body, body);

    const all = frame('00000011 0003 0001 00000002 0003 636c69 ffffffff');
    assert.deepStrictEqual(Buffer.concat(encodeRequest(ApiKey.Metadata, 1, 2, 'cli', { topics: null })), all);
    const d2 = decodeRequest(all.subarray(4));
    assert.ok(d2.ok);
    assert.equal((d2.body as { topics: unknown }).topics, null);
  });

  test('Produce v3 with a record payload and a null client id', () => {
    const bytes = frame(`
      00000028
      0000 0003 0000002a | ffff   # header v1: key 0, v3, corr 42, null client id
      ffff | ffff | 00007530   # transactional id null, acks -1, timeout 30000
      00000001 | 0001 74   # one topic "t"
      00000001 | 00000000 | 00000003 aabbcc   # one partition: index 0, records (3 bytes)`);
    const body = { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: 't', partitionData: [{ index: 0, records: hex('aabbcc') }] }] };
    assert.deepStrictEqual(Buffer.concat(encodeRequest(ApiKey.Produce, 3, 42, null, body)), bytes);
    const d = decodeRequest(bytes.subarray(4));
    assert.ok(d.ok);
    assert.deepStrictEqual(d.body, body);
    assert.equal(d.header.clientId, null);
  });

  test('ControlledShutdown v0 uses request header v0 (no client id)', () => {
    const bytes = frame('0000000c 0007 0000 00000003 | 00000001');
    assert.deepStrictEqual(Buffer.concat(encodeRequest(ApiKey.ControlledShutdown, 0, 3, 'ignored', { brokerId: 1 })), bytes);
    const d = decodeRequest(bytes.subarray(4));
    assert.ok(d.ok);
    assert.deepStrictEqual(d.header, { apiKey: 7, apiVersion: 0, correlationId: 3, clientId: null, headerVersion: 0 });
  });
});

describe('hand-computed responses', () => {
  test('ApiVersions v0 answering UNSUPPORTED_VERSION', () => {
    const bytes = frame(`
      00000010
      00000007   # response header v0
      0023 | 00000001 | 0012 0000 0004   # error 35, api_keys: [ { 18, 0, 4 } ]`);
    const body = { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }] };
    assert.deepStrictEqual(Buffer.concat(encodeResponse(ApiKey.ApiVersions, 0, 7, body)), bytes);
    const d = decodeResponse(ApiKey.ApiVersions, 0, bytes.subarray(4));
    assert.equal(d.correlationId, 7);
    assert.deepStrictEqual(d.body.apiKeys, body.apiKeys);
    assert.equal(d.body.errorCode, 35);
  });

  test('ApiVersions v3: flexible body but response header v0, with a tagged field', () => {
    const bytes = frame(`
      0000001d
      00000009   # response header v0 (no tagged fields, even in v3)
      0000 | 02 0012 0000 0004 00   # no error, api_keys (compact): [ { 18, 0, 4 } ]
      00000000   # throttle time 0
      01 | 01 08 0000000000000005   # 1 tagged field: tag 1 (FinalizedFeaturesEpoch), 8 bytes, 5`);
    const body = { apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }], finalizedFeaturesEpoch: 5n };
    assert.deepStrictEqual(Buffer.concat(encodeResponse(ApiKey.ApiVersions, 3, 9, body)), bytes);
    const d = decodeResponse(ApiKey.ApiVersions, 3, bytes.subarray(4));
    assert.equal(d.body.finalizedFeaturesEpoch, 5n);
    assert.deepStrictEqual(d.body.supportedFeatures, []);
  });

  test('Heartbeat v4: response header v1 carries a tagged-field section', () => {
    const bytes = frame('0000000c 00000005 00 | 00000000 0019 00');
    const body = { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    assert.deepStrictEqual(Buffer.concat(encodeResponse(ApiKey.Heartbeat, 4, 5, body)), bytes);
    assert.deepStrictEqual(decodeResponse(ApiKey.Heartbeat, 4, bytes.subarray(4)), { correlationId: 5, body });
  });

  test('an unknown tagged field is skipped', () => {
    // Heartbeat v4 response whose body carries tag 7 (unknown to us) with 2 bytes.
    const bytes = hex('00000005 00 | 00000000 0000 01 07 02 abcd');
    assert.deepStrictEqual(decodeResponse(ApiKey.Heartbeat, 4, bytes).body, { throttleTimeMs: 0, errorCode: 0 });
  });
});
