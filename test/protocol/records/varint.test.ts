import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RecordCursor, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../../../protocol/records/varint.js';
import { RecordsError } from '../../../protocol/records/errors.js';
import { crc32c } from '../../../protocol/records/crc32c.js';

// Reference encoder written directly from the spec with BigInt only (independent of the fast paths).
function refVarlong(v: bigint): Buffer {
  let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return Buffer.from(out);
}

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const interestingLongs = fc.oneof(
  int64,
  fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }),
  fc.constantFrom(0n, -1n, 1n, 2n ** 52n, -(2n ** 52n), 2n ** 52n - 1n, -(2n ** 52n) + 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 49n, -(2n ** 48n) - 1n),
);

describe('varint / varlong', () => {
  it('varlong encodes like the BigInt reference and decodes back', () => {
    fc.assert(
      fc.property(interestingLongs, (v) => {
        const buf = Buffer.alloc(10);
        const end = writeVarlong(buf, 0, v);
        assert.deepEqual(buf.subarray(0, end), refVarlong(v));
        assert.equal(sizeOfVarlong(v), end);
        const c = new RecordCursor(buf, 0, end);
        assert.equal(c.readVarlong(), v);
        assert.equal(c.pos, end);
      }),
      { numRuns: 2000 },
    );
  });

  it('varint round-trips every int32 shape', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2147483647, -2147483648, 63, -64, 64)), (v) => {
        const buf = Buffer.alloc(5);
        const end = writeVarint(buf, 0, v);
        assert.deepEqual(buf.subarray(0, end), refVarlong(BigInt(v)));
        assert.equal(sizeOfVarint(v), end);
        const c = new RecordCursor(buf, 0, end);
        assert.equal(c.readVarint(), v);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects over-long and truncated varints with RecordsError', () => {
    const six = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    assert.throws(() => new RecordCursor(six, 0, six.length).readVarint(), RecordsError);
    const eleven = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    assert.throws(() => new RecordCursor(eleven, 0, eleven.length).readVarlong(), RecordsError);
    assert.throws(() => new RecordCursor(Buffer.from([0x80]), 0, 1).readVarint(), RecordsError);
    assert.throws(() => new RecordCursor(Buffer.from([0x80, 0x80]), 0, 2).readVarlong(), RecordsError);
    assert.throws(() => new RecordCursor(Buffer.alloc(9, 0x80), 0, 9).readVarlong(), RecordsError);
    // the cursor's end bounds reads even when the buffer continues
    assert.throws(() => new RecordCursor(Buffer.from([0x80, 0x01]), 0, 1).readVarint(), RecordsError);
  });
});

describe('crc32c', () => {
  it('matches the CRC-32C check value and continues across chunks', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (a, b) => {
        assert.equal(crc32c(b, crc32c(a)), crc32c(Buffer.concat([a, b])));
      }),
    );
  });
});
