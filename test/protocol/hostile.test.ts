// Hostile input: whatever bytes arrive, decoding ends in a DecodeError (or a typed failure from
// decodeRequest), never a RangeError/TypeError, never a large allocation or a long loop.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { apis, ApiKey } from '../../protocol/generated/api-keys.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../protocol/frames.js';
import { DecodeError } from '../../protocol/runtime/decode-error.js';
import { messageArb } from './arbitraries.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]+/g, ''), 'hex');

/** decodeRequest must return, never throw; a failure carries a DecodeError. */
function decodeSafely(frame: Buffer): ReturnType<typeof decodeRequest> {
  const d = decodeRequest(frame);
  if (!d.ok) assert.ok(d.error instanceof DecodeError, `not a DecodeError: ${String(d.error)}`);
  return d;
}

/** decodeResponse may only throw DecodeError. */
function decodeResponseSafely(apiKey: number, version: number, frame: Buffer): void {
  try {
    decodeResponse(apiKey, version, frame);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
}

/** One small valid request and response frame (without size prefix) per API and version. */
function sampleFrames(seed: number): { apiKey: number; version: number; request: Buffer; response: Buffer }[] {
  const out = [];
  for (const api of apis) {
    for (let v = api.minVersion; v <= api.maxVersion; v++) {
      const [req] = fc.sample(messageArb(`${api.name}Request`, v), { numRuns: 1, seed: seed + api.key * 100 + v });
      const [res] = fc.sample(messageArb(`${api.name}Response`, v), { numRuns: 1, seed: seed + api.key * 100 + v });
      out.push({
        apiKey: api.key,
        version: v,
        request: Buffer.concat(encodeRequest(api.key, v, 1, 'client', req)).subarray(4),
        response: Buffer.concat(encodeResponse(api.key, v, 1, res)).subarray(4),
      });
    }
  }
  return out;
}

const SAMPLES = sampleFrames(1234);

describe('truncation', () => {
  test('every cut point of a valid request of every API and version fails with TRUNCATED', () => {
    let cuts = 0;
    for (const { apiKey, version, request } of SAMPLES) {
      assert.ok(decodeSafely(request).ok);
      for (let cut = 0; cut < request.length; cut++) {
        const d = decodeSafely(request.subarray(0, cut));
        assert.ok(!d.ok, `api ${apiKey} v${version}: prefix of ${cut}/${request.length} bytes decoded`);
        assert.equal(d.error.code, 'TRUNCATED', `api ${apiKey} v${version} cut ${cut}: ${d.error.message}`);
        if (cut >= 8) assert.equal(d.header?.correlationId, 1);
        cuts++;
      }
    }
    assert.ok(cuts > 10000);
  });

  test('every cut point of a valid response fails with TRUNCATED', () => {
    for (const { apiKey, version, response } of SAMPLES) {
      for (let cut = 0; cut < response.length; cut++) {
        assert.throws(
          () => decodeResponse(apiKey, version, response.subarray(0, cut)),
          (e: unknown) => e instanceof DecodeError && e.code === 'TRUNCATED',
        );
      }
    }
  });
});

describe('lengths and counts', () => {
  const expectFailure = (frame: Buffer, code: string): void => {
    const started = process.hrtime.bigint();
    const heapBefore = process.memoryUsage().heapUsed;
    const d = decodeSafely(frame);
    assert.ok(!d.ok, 'decoded');
    assert.equal(d.error.code, code, d.error.message);
    // Failing must be immediate and allocation-free (no 2^31-element arrays, no 2 GB strings).
    assert.ok(process.hrtime.bigint() - started < 50_000_000n, 'took over 50 ms');
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 32 << 20, 'allocated over 32 MB');
  };
  // Metadata v1 (classic) and v9 (flexible) request headers, client id "c".
  const metadataV1 = '0003 0001 00000001 0001 63';
  const metadataV9 = '0003 0009 00000001 0001 63 00';
  // Produce v3 up to the records field: no transactional id, acks 1, timeout 0, 1 topic "t", 1 partition 0.
  const produceV3 = '0000 0003 00000001 0001 63 | ffff 0001 00000000 00000001 0001 74 00000001 00000000';

  test('arrays claiming 2^31-1 or 2^32-2 elements', () => {
    expectFailure(hex(`${metadataV1} 7fffffff`), 'TRUNCATED');
    expectFailure(hex(`${metadataV1} 7fffffff 0001 61`), 'TRUNCATED');
    expectFailure(hex(`${metadataV9} ffffffff0f 00`), 'TRUNCATED');
  });

  test('negative lengths other than null', () => {
    expectFailure(hex(`${metadataV1} 80000000`), 'INVALID_LENGTH');
    expectFailure(hex(`${metadataV1} 00000001 fffe`), 'INVALID_LENGTH');
    expectFailure(hex(`${produceV3} fffffffe`), 'INVALID_LENGTH');
  });

  test('null where the version does not allow it', () => {
    expectFailure(hex(`0003 0000 00000001 0001 63 ffffffff`), 'INVALID_VALUE'); // Metadata v0 topics
    expectFailure(hex(`${metadataV1} 00000001 ffff`), 'INVALID_VALUE'); // topic name
  });

  test('a 2 GB records field, strings longer than the frame', () => {
    expectFailure(hex(`${produceV3} 7fffffff 000000`), 'TRUNCATED');
    expectFailure(hex(`${metadataV1} 00000001 7fff 6161`), 'TRUNCATED');
    expectFailure(hex(`0003 0001 00000001 7fff 63`), 'TRUNCATED'); // client id
  });

  test('varints that never end or overflow', () => {
    expectFailure(hex(`${metadataV9} ${'ff'.repeat(64)}`), 'VARINT_TOO_LONG');
    expectFailure(hex(`${metadataV9} ffffffff1f`), 'VARINT_TOO_LONG');
    expectFailure(hex(`0003 0009 00000001 0001 63 ${'80'.repeat(6)}`), 'VARINT_TOO_LONG'); // tag count
  });

  test('tagged fields: size beyond the frame, size disagreeing with the value', () => {
    // ApiVersions v3 request, empty strings, then a tagged section.
    const head = '0012 0003 00000001 0001 63 00 | 01 01';
    expectFailure(hex(`${head} 01 05 ffffffff 00`), 'TRUNCATED'); // tag 5 says 0xffffffff bytes
    expectFailure(hex(`${head} 7fffffff`), 'TRUNCATED'); // 2^31 tagged fields
    // Fetch v12 with ClusterId (tag 0) whose declared size (3) exceeds its value (compact "a" = 2 bytes).
    const fetch = Buffer.concat(encodeRequest(ApiKey.Fetch, 12, 1, 'c', {})).subarray(4);
    const body = Buffer.concat([fetch.subarray(0, fetch.length - 1), hex('01 00 03 0261 00')]);
    expectFailure(body, 'INVALID_LENGTH');
  });
});

describe('fuzz', () => {
  test('random bytes after a valid fixed header, for every API and version', () => {
    const versions = apis.flatMap((a) => Array.from({ length: a.maxVersion - a.minVersion + 1 }, (_, i) => [a.key, a.minVersion + i] as const));
    fc.assert(
      fc.property(fc.constantFrom(...versions), fc.uint8Array({ maxLength: 64 }), ([key, version], body) => {
        const head = Buffer.alloc(8);
        head.writeInt16BE(key, 0);
        head.writeInt16BE(version, 2);
        decodeSafely(Buffer.concat([head, body]));
        decodeResponseSafely(key, version, Buffer.from(body));
      }),
      { numRuns: 20000 },
    );
  });

  test('completely random frames', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 128 }), (b) => void decodeSafely(Buffer.from(b))), { numRuns: 5000 });
  });

  test('mutated valid frames: byte flips, insertions, deletions, big-number splices', () => {
    const interesting = [0x00, 0x01, 0x7f, 0x80, 0xff];
    fc.assert(
      fc.property(
        fc.constantFrom(...SAMPLES),
        fc.array(
          fc.record({
            kind: fc.constantFrom('set', 'insert', 'delete', 'splice'),
            at: fc.nat(),
            byte: fc.oneof(fc.constantFrom(...interesting), fc.integer({ min: 0, max: 255 })),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        (sample, mutations) => {
          for (const frame of [sample.request, sample.response]) {
            let b = Buffer.from(frame);
            for (const { kind, at, byte } of mutations) {
              const i = at % (b.length + 1);
              if (kind === 'set' && i < b.length) b[i] = byte;
              else if (kind === 'insert') b = Buffer.concat([b.subarray(0, i), Buffer.of(byte), b.subarray(i)]);
              else if (kind === 'delete' && i < b.length) b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
              else if (kind === 'splice') b = Buffer.concat([b.subarray(0, i), hex('7fffffff'), b.subarray(i)]);
            }
            if (frame === sample.request) decodeSafely(b);
            else decodeResponseSafely(sample.apiKey, sample.version, b);
          }
        },
      ),
      { numRuns: 20000 },
    );
  });
});
