import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFooter, encodeFooter, ObjectFormatError, type ObjectRunEntry } from '../../src/log/object-format.js';

const entry = fc.record<ObjectRunEntry>({
  topicId: fc.uuid(),
  partition: fc.integer({ min: 0, max: 100_000 }),
  baseOffset: fc.bigInt({ min: 0n, max: 1n << 60n }),
  lastOffset: fc.bigInt({ min: 0n, max: 1n << 60n }),
  byteStart: fc.constant(0),
  byteLength: fc.integer({ min: 0, max: 50 }),
  rawLength: fc.integer({ min: 0, max: 1 << 30 }),
  format: fc.constantFrom('raw' as const, 'lz4' as const, 'lz4-blocks' as const),
  maxTimestamp: fc.bigInt({ min: -1n, max: 1n << 50n }),
});

describe('flush object footer', () => {
  it('decodes what it encodes, after the runs it indexes', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 20 }), (entries) => {
        let at = 0;
        const laid = entries.map((e) => {
          const placed = { ...e, byteStart: at };
          at += e.byteLength;
          return placed;
        });
        const object = Buffer.concat([Buffer.alloc(at, 7), encodeFooter(laid)]);
        assert.deepEqual(decodeFooter(object), laid);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects objects without a footer or with a damaged one', () => {
    assert.throws(() => decodeFooter(Buffer.from('short')), ObjectFormatError);
    const good = Buffer.concat([Buffer.alloc(10), encodeFooter([])]);
    const bad = Buffer.from(good);
    bad[bad.length - 1] ^= 1;
    assert.throws(() => decodeFooter(bad), ObjectFormatError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeFooter(Buffer.from(bytes));
        } catch (err) {
          assert.ok(err instanceof ObjectFormatError, String(err));
        }
      }),
    );
  });
});
