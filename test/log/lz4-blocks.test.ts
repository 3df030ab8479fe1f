/**
 * The 'lz4-blocks' segment framing: whatever batches and however they are split into parts,
 * decoding gives the same bytes back in parts that start and end on batch boundaries; data LZ4
 * cannot shrink is stored; truncated, damaged and garbage bodies are rejected with
 * CorruptSegmentError, never a crash or a huge allocation.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { BLOCK_BYTES, CorruptSegmentError, decodeLz4Blocks, encodeLz4Blocks } from '../../src/log/lz4-blocks.js';
import { partsLength } from '../../src/log/segment-cache.js';

/** A stand-in batch: baseOffset, then its length, then a body (the framing is all the codec reads). */
function batch(body: Buffer, baseOffset = 0n): Buffer {
  const b = Buffer.alloc(12 + body.length);
  b.writeBigInt64BE(baseOffset, 0);
  b.writeInt32BE(body.length, 8);
  body.copy(b, 12);
  return b;
}

const body = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
  fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 20_000 })).map(([s, n]) => Buffer.from(s.repeat(n))),
);

/** Batches, and how they are split into parts (at batch boundaries, as segment parts are). */
const segment = fc.array(body, { minLength: 1, maxLength: 40 }).chain((bodies) =>
  fc.array(fc.boolean(), { minLength: bodies.length, maxLength: bodies.length }).map((cuts) => {
    const batches = bodies.map((b, i) => batch(b, BigInt(i)));
    const parts: Buffer[] = [];
    let current: Buffer[] = [];
    batches.forEach((b, i) => {
      current.push(b);
      if (cuts[i] || i === batches.length - 1) {
        parts.push(Buffer.concat(current));
        current = [];
      }
    });
    return { batches, parts };
  }),
);

/** Walks a part's batches; fails unless it is whole batches back to back. */
function batchesOf(part: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < part.length) {
    assert.ok(pos + 12 <= part.length, 'a part ends inside a batch header');
    const size = part.readInt32BE(pos + 8) + 12;
    assert.ok(pos + size <= part.length, 'a part ends inside a batch');
    out.push(part.subarray(pos, pos + size));
    pos += size;
  }
  return out;
}

describe('lz4-blocks segment framing', () => {
  it('decodes what it encodes, in parts of whole batches', async () => {
    await fc.assert(
      fc.asyncProperty(segment, async ({ batches, parts }) => {
        const raw = Buffer.concat(batches);
        const encoded = Buffer.concat(await encodeLz4Blocks(parts));
        const decoded = await decodeLz4Blocks(encoded, raw.length);
        assert.deepEqual(Buffer.concat(decoded), raw);
        assert.deepEqual(decoded.flatMap(batchesOf), batches);
        for (const p of decoded) assert.ok(p.length <= BLOCK_BYTES || batchesOf(p).length === 1, 'a block over the size holds one batch');
      }),
      { numRuns: 150 },
    );
  });

  it('compresses what compresses, stores what does not, and keeps a large batch in one block', async () => {
    const text = batch(Buffer.from('{"user":"u1","event":"click"}\n'.repeat(40_000)));
    const noise = batch(randomBytes(300_000));
    const large = batch(randomBytes(BLOCK_BYTES + 12345));
    const t = Buffer.concat(await encodeLz4Blocks([text]));
    assert.ok(t.length < text.length / 10, `text: ${t.length} of ${text.length}`);
    const n = Buffer.concat(await encodeLz4Blocks([noise]));
    assert.equal(n.length, noise.length + 9, 'stored with one header');
    const parts = await decodeLz4Blocks(Buffer.concat(await encodeLz4Blocks([text, large, noise])), text.length + large.length + noise.length);
    assert.ok(parts.some((p) => p.equals(large)), 'the large batch is one part');
    assert.deepEqual(Buffer.concat(parts), Buffer.concat([text, large, noise]));
  });

  it('rejects truncated, damaged and garbage bodies, and a wrong raw length', async () => {
    const raw = Buffer.concat([batch(Buffer.from('abc'.repeat(5000))), batch(randomBytes(2000)), batch(Buffer.from('xyz'.repeat(9000)))]);
    const encoded = Buffer.concat(await encodeLz4Blocks([raw]));
    for (let cut = 0; cut < encoded.length; cut += 97) {
      await assert.rejects(decodeLz4Blocks(encoded.subarray(0, cut), raw.length), CorruptSegmentError, `cut at ${cut}`);
    }
    await assert.rejects(decodeLz4Blocks(encoded, raw.length + 1), CorruptSegmentError);
    await assert.rejects(decodeLz4Blocks(encoded, raw.length - 1), CorruptSegmentError);
    const hugeClaim = Buffer.from(encoded);
    hugeClaim.writeUInt32BE(0x7fffffff, 1);
    await assert.rejects(decodeLz4Blocks(hugeClaim, raw.length), CorruptSegmentError);
    const badKind = Buffer.from(encoded);
    badKind[0] = 7;
    await assert.rejects(decodeLz4Blocks(badKind, raw.length), CorruptSegmentError);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2000 }), fc.integer({ min: 1, max: 1 << 20 }), async (garbage, rawLength) => {
        await assert.rejects(decodeLz4Blocks(Buffer.from(garbage), rawLength), CorruptSegmentError);
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 9, max: encoded.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, flip) => {
        const damaged = Buffer.from(encoded);
        damaged[at] ^= flip;
        // Damage inside a stored block is not the codec's to see (batches carry their own CRC);
        // anywhere else it must be an error or the same length of bytes, never a crash.
        try {
          assert.equal(partsLength(await decodeLz4Blocks(damaged, raw.length)), raw.length);
        } catch (err) {
          assert.ok(err instanceof CorruptSegmentError, String(err));
        }
      }),
      { numRuns: 300 },
    );
  });
});
