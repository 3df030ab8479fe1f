/**
 * The bench consumers' connection assembles responses from a fixed read buffer into a reused
 * frame buffer: responses split anywhere (inside the size prefix too), larger than the read
 * buffer, and back to back must decode as sent; a connection that closes mid-response fails the
 * request instead of hanging.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fc from 'fast-check';
import { decodeRequest, encodeResponse } from '../../protocol/frames.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { LeanConnection } from '../../bench/load/lean-connection.js';

/** A server that answers each ApiVersions request with `make(correlationId)`, written in the given cuts. */
async function serve(answer: (correlationId: number) => Buffer, cuts: (frame: Buffer) => number[]): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        const req = decodeRequest(pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
        assert.ok(req.ok);
        const frame = answer(req.header.correlationId);
        let at = 0;
        for (const cut of [...cuts(frame), frame.length]) {
          if (cut > at) socket.write(frame.subarray(at, cut));
          at = Math.max(at, cut);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function apiVersionsResponse(correlationId: number, keys: number): Buffer {
  const apiKeys = Array.from({ length: keys }, (_, i) => ({ apiKey: i % 30_000, minVersion: 0, maxVersion: i % 17 }));
  return Buffer.concat(encodeResponse(ApiKey.ApiVersions, 0, correlationId, { errorCode: 0, apiKeys }));
}

describe('LeanConnection (bench consumers)', () => {
  it('decodes responses however the stream is cut, including ones larger than its read buffer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 6 }), async (sizes, rawCuts) => {
        const all = [...sizes, 200_000]; // the last one (1.2 MB) is larger than the 1 MiB read buffer
        let i = 0;
        const server = await serve(
          (cid) => apiVersionsResponse(cid, all[i++]),
          (frame) => rawCuts.map((c) => c % frame.length).sort((a, b) => a - b),
        );
        const conn = await LeanConnection.connect('127.0.0.1', server.port, 'lean-test');
        try {
          for (const keys of all) {
            const res = await conn.send(ApiKey.ApiVersions, 0, {});
            assert.equal(res.apiKeys.length, keys);
            assert.equal(res.apiKeys[keys - 1].apiKey, (keys - 1) % 30_000);
            assert.equal(res.apiKeys[keys - 1].maxVersion, (keys - 1) % 17);
          }
        } finally {
          await conn.close();
          await server.close();
        }
      }),
      { numRuns: 15 },
    );
  });

  it('fails the request when the connection closes mid-response', async () => {
    const server = await serve(
      (cid) => apiVersionsResponse(cid, 10).subarray(0, 30),
      () => [],
    );
    const conn = await LeanConnection.connect('127.0.0.1', server.port, 'lean-test');
    const pending = conn.send(ApiKey.ApiVersions, 0, {});
    await new Promise((r) => setTimeout(r, 50));
    await server.close();
    await assert.rejects(pending, /connection closed/);
  });
});
