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

  it('yields the same frames when reads go straight into the tail of the frame being received', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 64 }),
        (bodies, cuts, minTail) => {
          const wire = Buffer.concat(bodies.map((b) => frame(Buffer.from(b))));
          const reader = new FrameReader(1 << 20);
          const out: Buffer[] = [];
          let at = 0;
          let i = 0;
          let direct = 0;
          while (at < wire.length) {
            const want = cuts[i++ % cuts.length];
            const tail = reader.tail(minTail);
            if (tail) {
              // What the kernel does with a read buffer: fill its start, never past its end.
              const n = Math.min(want, tail.length, wire.length - at);
              wire.copy(tail, 0, at, at + n);
              const done = reader.filled(n);
              if (done) out.push(done);
              at += n;
              direct++;
            } else {
              out.push(...reader.push(wire.subarray(at, at + want)));
              at += want;
            }
          }
          assert.deepEqual(out.map((b) => Buffer.from(b)), bodies.map((b) => Buffer.from(b)));
          assert.equal(reader.bufferedBytes, 0);
          if (bodies.some((b) => b.length > minTail + 200)) assert.ok(direct > 0, 'a large frame was never read into directly');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses to count bytes past the end of the frame', () => {
    const reader = new FrameReader(100);
    reader.push(Buffer.from([0, 0, 0, 10, 1, 2]));
    const tail = reader.tail(1)!;
    assert.equal(tail.length, 8);
    assert.equal(reader.tail(9), null);
    assert.throws(() => reader.filled(9), RangeError);
    tail.set([3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual([...reader.filled(8)!], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(reader.tail(1), null);
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
