// Property: for every API, every valid version, request and response, decode(encode(m)) equals m
// and the decoder consumes exactly the bytes the encoder produced.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { apis } from '../../protocol/generated/api-keys.js';
import { readRequestHeader, writeRequestHeader } from '../../protocol/generated/request-header.js';
import { readResponseHeader, writeResponseHeader } from '../../protocol/generated/response-header.js';
import { Reader } from '../../protocol/runtime/reader.js';
import { Writer } from '../../protocol/runtime/writer.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../protocol/frames.js';
import { messageArb } from './arbitraries.js';

// ~900 (api, version, direction) combinations: 100 runs each keeps this file at a few seconds.
const NUM_RUNS = Number(process.env.PROTOCOL_NUM_RUNS ?? 100);

function roundTrip(
  write: (w: Writer, m: object, v: number) => void,
  read: (r: Reader, v: number) => unknown,
  m: object,
  version: number,
): void {
  const w = new Writer();
  write(w, m, version);
  const bytes = w.toBuffer();
  assert.equal(bytes.length, w.length);
  const r = new Reader(bytes);
  const back = read(r, version);
  assert.equal(r.remaining, 0, 'decoder left bytes unread');
  assert.deepStrictEqual(back, m);
}

describe('round trip of every message in every version', () => {
  for (const api of apis) {
    for (const dir of ['Request', 'Response'] as const) {
      test(`${api.name}${dir} v${api.minVersion}-${api.maxVersion}`, () => {
        const write = dir === 'Request' ? api.writeRequest.bind(api) : api.writeResponse.bind(api);
        const read = dir === 'Request' ? api.readRequest.bind(api) : api.readResponse.bind(api);
        for (let v = api.minVersion; v <= api.maxVersion; v++) {
          fc.assert(
            fc.property(messageArb(`${api.name}${dir}`, v), (m) => roundTrip(write, read, m, v)),
            { numRuns: NUM_RUNS },
          );
        }
      });
    }
  }

  test('RequestHeader v0-2 and ResponseHeader v0-1', () => {
    for (let v = 0; v <= 2; v++) {
      fc.assert(fc.property(messageArb('RequestHeader', v), (m) => roundTrip(writeRequestHeader, readRequestHeader, m, v)), { numRuns: 100 });
    }
    for (let v = 0; v <= 1; v++) {
      fc.assert(fc.property(messageArb('ResponseHeader', v), (m) => roundTrip(writeResponseHeader, readResponseHeader, m, v)), { numRuns: 100 });
    }
  });
});

describe('round trip of whole frames', () => {
  test('encodeRequest → decodeRequest and encodeResponse → decodeResponse, every API and version', () => {
    for (const api of apis) {
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        fc.assert(
          fc.property(
            messageArb(`${api.name}Request`, v),
            messageArb(`${api.name}Response`, v),
            fc.integer({ min: -0x80000000, max: 0x7fffffff }),
            fc.option(fc.string({ maxLength: 10 }), { nil: null }),
            (req, res, correlationId, clientId) => {
              const reqFrame = Buffer.concat(encodeRequest(api.key, v, correlationId, clientId, req));
              assert.equal(reqFrame.readInt32BE(0), reqFrame.length - 4);
              const d = decodeRequest(reqFrame.subarray(4));
              assert.ok(d.ok, d.ok ? '' : d.error.message);
              assert.equal(d.apiKey, api.key);
              const headerVersion = api.requestHeaderVersion(v);
              assert.deepStrictEqual(d.header, {
                apiKey: api.key,
                apiVersion: v,
                correlationId,
                clientId: headerVersion === 0 ? null : clientId,
                headerVersion,
              });
              assert.deepStrictEqual(d.body, req);

              const resFrame = Buffer.concat(encodeResponse(api.key, v, correlationId, res));
              assert.equal(resFrame.readInt32BE(0), resFrame.length - 4);
              assert.deepStrictEqual(decodeResponse(api.key, v, resFrame.subarray(4)), { correlationId, body: res });
            },
          ),
          { numRuns: 3 },
        );
      }
    }
  });
});
