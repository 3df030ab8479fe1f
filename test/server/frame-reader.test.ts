import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameReader, FrameTooLargeError, InvalidFrameSizeError } from '../../src/server/frame-reader.js';

function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

describe('FrameReader', () => {
  it('yields the same frames whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
        (bodies, cuts) => {
          const wire = Buffer.concat(bodies.map((b) => frame(Buffer.from(b))));
          const reader = new FrameReader(1 << 20);
          const out: Buffer[] = [];
          let at = 0;
          let i = 0;
          while (at < wire.length) {
            const n = cuts[i++ % cuts.length];
            out.push(...reader.push(wire.subarray(at, at + n)));
            at += n;
          }
          assert.deepEqual(out.map((b) => Buffer.from(b)), bodies.map((b) => Buffer.from(b)));
          assert.equal(reader.bufferedBytes, 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('splits at every single byte of a captured stream', () => {
    const wire = Buffer.concat([frame(Buffer.from('hello')), frame(Buffer.alloc(0)), frame(Buffer.from('world!'))]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const reader = new FrameReader(100);
      const out = [...reader.push(wire.subarray(0, cut)), ...reader.push(wire.subarray(cut))];
      assert.deepEqual(out.map(String), ['hello', '', 'world!']);
    }
  });

  it('rejects a frame over the limit as soon as its size is read', () => {
    const reader = new FrameReader(1000);
    const head = Buffer.alloc(4);
    head.writeInt32BE(1001);
    assert.throws(() => reader.push(head), FrameTooLargeError);
  });

  it('rejects a negative size', () => {
    const reader = new FrameReader(1000);
    assert.throws(() => reader.push(Buffer.from([0xff, 0xff, 0xff, 0xfe])), InvalidFrameSizeError);
  });
});
