// Reader and Writer primitives: encodings, limits, zero-copy behaviour.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '../../protocol/runtime/decode-error.js';
import { Reader } from '../../protocol/runtime/reader.js';
import { Writer, ZERO_COPY_THRESHOLD } from '../../protocol/runtime/writer.js';
import { ByteChunks } from '../../protocol/runtime/byte-chunks.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function written(f: (w: Writer) => void): Buffer {
  const w = new Writer();
  f(w);
  return w.toBuffer();
}

function decodeError(f: () => unknown, code: string): void {
  assert.throws(f, (e: unknown) => e instanceof DecodeError && e.code === code);
}

describe('varints', () => {
  test('known encodings (Kafka ByteUtils)', () => {
    assert.deepStrictEqual(written((w) => w.uvarint(0)), hex('00'));
    assert.deepStrictEqual(written((w) => w.uvarint(127)), hex('7f'));
    assert.deepStrictEqual(written((w) => w.uvarint(128)), hex('8001'));
    assert.deepStrictEqual(written((w) => w.uvarint(300)), hex('ac02'));
    assert.deepStrictEqual(written((w) => w.uvarint(0xffffffff)), hex('ffffffff0f'));
    assert.deepStrictEqual(written((w) => w.varint(-1)), hex('01'));
    assert.deepStrictEqual(written((w) => w.varint(1)), hex('02'));
    assert.deepStrictEqual(written((w) => w.varint(-0x80000000)), hex('ffffffff0f'));
    assert.deepStrictEqual(written((w) => w.varlong(-1n)), hex('01'));
    assert.deepStrictEqual(written((w) => w.varlong(-(2n ** 63n))), hex('ffffffffffffffffff01'));
  });

  test('round trips', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
      const r = new Reader(written((w) => w.uvarint(v)));
      assert.equal(r.uvarint(), v);
      assert.equal(r.remaining, 0);
    }));
    fc.assert(fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (v) => {
      assert.equal(new Reader(written((w) => w.varint(v))).varint(), v);
    }));
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
      assert.equal(new Reader(written((w) => w.varlong(v))).varlong(), v);
    }));
  });

  test('too long or too large', () => {
    decodeError(() => new Reader(hex('ffffffffff01')).uvarint(), 'VARINT_TOO_LONG');
    decodeError(() => new Reader(hex('ffffffff10')).uvarint(), 'VARINT_TOO_LONG'); // 2^32
    decodeError(() => new Reader(Buffer.alloc(100, 0xff)).uvarint(), 'VARINT_TOO_LONG');
    decodeError(() => new Reader(Buffer.alloc(100, 0xff)).varlong(), 'VARINT_TOO_LONG');
    decodeError(() => new Reader(hex('ffffffffffffffffff02')).varlong(), 'VARINT_TOO_LONG');
    decodeError(() => new Reader(hex('ffff')).uvarint(), 'TRUNCATED');
    decodeError(() => new Reader(hex('ff')).varlong(), 'TRUNCATED');
  });
});

describe('fixed-width values', () => {
  test('round trip and truncation', () => {
    const b = written((w) => {
      w.int8(-2);
      w.bool(true);
      w.int16(-300);
      w.uint16(65000);
      w.int32(-70000);
      w.uint32(4000000000);
      w.int64(-(2n ** 40n));
      w.float64(Math.PI);
      w.uuid('0123456789ABCDEF0123456789abcdef'.replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5'));
    });
    const r = new Reader(b);
    assert.equal(r.int8(), -2);
    assert.equal(r.bool(), true);
    assert.equal(r.int16(), -300);
    assert.equal(r.uint16(), 65000);
    assert.equal(r.int32(), -70000);
    assert.equal(r.uint32(), 4000000000);
    assert.equal(r.int64(), -(2n ** 40n));
    assert.equal(r.float64(), Math.PI);
    assert.equal(r.uuid(), '01234567-89ab-cdef-0123-456789abcdef'); // canonical: lower case
    assert.equal(r.remaining, 0);
    for (const read of [(x: Reader) => x.int8(), (x: Reader) => x.int16(), (x: Reader) => x.int32(), (x: Reader) => x.int64(), (x: Reader) => x.uuid(), (x: Reader) => x.float64()]) {
      decodeError(() => read(new Reader(Buffer.alloc(0))), 'TRUNCATED');
    }
  });

  test('the writer refuses malformed uuids', () => {
    assert.throws(() => new Writer().uuid('not-a-uuid'), /not a UUID/);
  });
});

describe('strings and bytes', () => {
  test('classic and compact encodings, null', () => {
    assert.deepStrictEqual(written((w) => w.string('ab')), hex('0002 6162'));
    assert.deepStrictEqual(written((w) => w.nullableString(null)), hex('ffff'));
    assert.deepStrictEqual(written((w) => w.compactString('ab')), hex('03 6162'));
    assert.deepStrictEqual(written((w) => w.compactNullableString(null)), hex('00'));
    assert.deepStrictEqual(written((w) => w.bytes(hex('0102'))), hex('00000002 0102'));
    assert.deepStrictEqual(written((w) => w.nullableBytes(null)), hex('ffffffff'));
    assert.deepStrictEqual(written((w) => w.compactBytes(hex('0102'))), hex('03 0102'));
    assert.deepStrictEqual(written((w) => w.compactNullableBytes(null)), hex('00'));
    assert.equal(new Reader(hex('ffff')).nullableString(), null);
    assert.equal(new Reader(hex('00')).compactNullableBytes(), null);
  });

  test('multi-byte UTF-8 lengths are byte lengths', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (s) => {
      const b = written((w) => {
        w.string(s);
        w.compactString(s);
      });
      const r = new Reader(b);
      assert.equal(r.string(), s);
      assert.equal(r.compactString(), s);
      assert.equal(r.remaining, 0);
    }));
  });

  test('null where not nullable, negative and oversized lengths', () => {
    decodeError(() => new Reader(hex('ffff')).string(), 'INVALID_VALUE');
    decodeError(() => new Reader(hex('fffe')).nullableString(), 'INVALID_LENGTH');
    decodeError(() => new Reader(hex('00')).compactString(), 'INVALID_VALUE');
    decodeError(() => new Reader(hex('ffffffff')).bytes(), 'INVALID_VALUE');
    decodeError(() => new Reader(hex('80000000')).nullableBytes(), 'INVALID_LENGTH');
    decodeError(() => new Reader(hex('7fff 6161')).string(), 'TRUNCATED');
    decodeError(() => new Reader(hex('7fffffff 00')).bytes(), 'TRUNCATED'); // 2 GB claim
    decodeError(() => new Reader(hex('ffffffff0f 00')).compactBytes(), 'TRUNCATED');
  });

  test('a string longer than int16 allows is a writer error', () => {
    assert.throws(() => new Writer().string('x'.repeat(0x8000)), /does not fit/);
  });

  test('bytes are views into the input, not copies', () => {
    const frame = hex('00000004 deadbeef 05 01020304');
    const r = new Reader(frame);
    const a = r.bytes();
    const b = r.compactBytes();
    assert.equal(a.buffer, frame.buffer);
    assert.equal(a.byteOffset, frame.byteOffset + 4);
    assert.equal(b.byteOffset, frame.byteOffset + 9);
    frame[4] = 0;
    assert.equal(a[0], 0);
  });
});

describe('arrays and tagged fields', () => {
  test('counts are checked against the remaining bytes before any allocation', () => {
    decodeError(() => new Reader(hex('7fffffff')).arrayLength(1), 'TRUNCATED');
    decodeError(() => new Reader(hex('00000003 0000')).arrayLength(1), 'TRUNCATED');
    decodeError(() => new Reader(hex('00000002 000000')).arrayLength(4), 'TRUNCATED');
    decodeError(() => new Reader(hex('ffffffff0f')).compactArrayLength(1), 'TRUNCATED');
    decodeError(() => new Reader(hex('ffffffff')).arrayLength(1), 'INVALID_VALUE');
    decodeError(() => new Reader(hex('fffffffe')).nullableArrayLength(1), 'INVALID_LENGTH');
    assert.equal(new Reader(hex('ffffffff')).nullableArrayLength(1), -1);
    assert.equal(new Reader(hex('00')).compactNullableArrayLength(1), -1);
    assert.equal(new Reader(hex('03 0000')).compactArrayLength(1), 2);
  });

  test('tagged sections: skip, size checks', () => {
    const r = new Reader(hex('02 00 02 aaaa 05 01 bb 07'));
    r.skipTaggedFields();
    assert.equal(r.int8(), 7);
    decodeError(() => new Reader(hex('01 00 05 aa')).skipTaggedFields(), 'TRUNCATED');
    const t = new Reader(hex('02 0000'));
    const end = t.taggedFieldEnd();
    t.int8();
    decodeError(() => t.endTaggedField(end), 'INVALID_LENGTH');
  });

  test('writer tagged field: tag, size, value', () => {
    assert.deepStrictEqual(written((w) => w.taggedField(3, (t) => t.int32(1))), hex('03 04 00000001'));
  });
});

describe('Writer', () => {
  test('grows across many small writes', () => {
    const w = new Writer(4);
    for (let i = 0; i < 10000; i++) w.int32(i);
    assert.equal(w.length, 40000);
    const b = w.toBuffer();
    for (let i = 0; i < 10000; i++) assert.equal(b.readInt32BE(i * 4), i);
    assert.equal(Buffer.concat(w.toChunks()).compare(b), 0);
  });

  test(`bytes of ${ZERO_COPY_THRESHOLD} or more are appended by reference`, () => {
    const big = Buffer.alloc(ZERO_COPY_THRESHOLD, 7);
    const small = Buffer.alloc(ZERO_COPY_THRESHOLD - 1, 8);
    const w = new Writer();
    w.int16(1);
    w.bytes(big);
    w.compactBytes(small);
    w.compactBytes(big);
    w.int8(9);
    const chunks = w.toChunks();
    assert.equal(chunks.filter((c) => c === big).length, 2);
    assert.ok(!chunks.includes(small));
    assert.equal(w.length, 2 + 4 + big.length + 2 + small.length + 2 + big.length + 1);
    assert.equal(chunks.reduce((n, c) => n + c.length, 0), w.length);
  });

  test('reserveInt32/patchInt32 backfill a length written before its content', () => {
    const w = new Writer(8);
    const slot = w.reserveInt32();
    for (let i = 0; i < 100; i++) w.int32(i); // forces new scratch buffers after the slot
    w.bytes(Buffer.alloc(5000));
    w.patchInt32(slot, w.length - 4);
    const b = w.toBuffer();
    assert.equal(b.readInt32BE(0), b.length - 4);
  });

  test('chunks handed out stay valid while writing continues', () => {
    const w = new Writer(16);
    w.int32(1);
    const first = w.toChunks();
    for (let i = 0; i < 100; i++) w.int32(0x7fffffff);
    assert.deepStrictEqual(Buffer.concat(first), hex('00000001'));
  });

  test('append moves another writer\'s chunks', () => {
    const a = new Writer();
    a.int8(1);
    const b = new Writer();
    b.int8(2);
    a.append(b);
    a.int8(3);
    assert.deepStrictEqual(a.toBuffer(), hex('010203'));
  });
});

describe('ByteChunks in byte fields', () => {
  test('writes several buffers as one length-prefixed field, large ones by reference', () => {
    const big = Buffer.alloc(10_000, 7);
    const small = Buffer.from('tail');
    for (const compact of [false, true]) {
      const w = new Writer();
      if (compact) w.compactBytes(new ByteChunks([big, small]));
      else w.bytes(new ByteChunks([big, small]));
      assert.ok(w.toChunks().includes(big), 'the large chunk is referenced, not copied');
      const r = new Reader(w.toBuffer());
      const back = compact ? r.compactBytes() : r.bytes();
      assert.deepEqual(back, Buffer.concat([big, small]));
      assert.equal(r.remaining, 0);
    }
  });
});
