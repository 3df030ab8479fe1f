import { DecodeError } from './decode-error.js';

// Lower-case hex of every byte value, for uuid formatting without per-byte toString calls.
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A cursor over an untrusted Buffer (usually one request frame).
 *
 * Contract: every method either returns a value or throws a DecodeError. Each length prefix is
 * checked against the bytes that remain BEFORE anything is allocated, so a frame that claims a
 * 2 GB string or 2^31 array elements fails at once instead of allocating or looping.
 *
 * `bytes` values are returned as `subarray` views into the input buffer, never copied: record
 * batches in a Produce request are handed on without touching their bytes. The views keep the whole
 * frame alive, which is what we want for records and harmless for the small byte fields.
 */
export class Reader {
  readonly buf: Buffer;
  /** Position of the next byte to read. Public so that callers can save and restore it. */
  pos: number;
  /** Exclusive end of the readable region. */
  readonly end: number;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws TRUNCATED unless `n` more bytes are available. */
  private need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw new DecodeError('TRUNCATED', `${what}: need ${n} bytes at offset ${this.pos}, ${this.end - this.pos} left`);
    }
  }

  skip(n: number): void {
    if (n < 0) throw new DecodeError('INVALID_LENGTH', `cannot skip ${n} bytes`);
    this.need(n, 'skip');
    this.pos += n;
  }

  // ---- fixed-width values -------------------------------------------------------------------

  int8(): number {
    this.need(1, 'int8');
    return (this.buf[this.pos++] << 24) >> 24;
  }

  bool(): boolean {
    this.need(1, 'bool');
    // Like Kafka's Java reader: any non-zero byte is true.
    return this.buf[this.pos++] !== 0;
  }

  int16(): number {
    this.need(2, 'int16');
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    this.need(2, 'uint16');
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4, 'int32');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): bigint {
    this.need(8, 'int64');
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  float64(): number {
    this.need(8, 'float64');
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A 16-byte UUID as a canonical lower-case string. */
  uuid(): string {
    this.need(16, 'uuid');
    const b = this.buf;
    const p = this.pos;
    this.pos += 16;
    return (
      HEX[b[p]] + HEX[b[p + 1]] + HEX[b[p + 2]] + HEX[b[p + 3]] + '-' +
      HEX[b[p + 4]] + HEX[b[p + 5]] + '-' +
      HEX[b[p + 6]] + HEX[b[p + 7]] + '-' +
      HEX[b[p + 8]] + HEX[b[p + 9]] + '-' +
      HEX[b[p + 10]] + HEX[b[p + 11]] + HEX[b[p + 12]] + HEX[b[p + 13]] + HEX[b[p + 14]] + HEX[b[p + 15]]
    );
  }

  // ---- varints ------------------------------------------------------------------------------

  /**
   * Unsigned varint, at most 5 bytes and at most 2^32-1 (Kafka's readUnsignedVarint reads into a
   * Java int; we refuse the values it would silently truncate).
   */
  uvarint(): number {
    const b = this.buf;
    let value = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) throw new DecodeError('TRUNCATED', `varint: input ends at offset ${this.pos}`);
      const byte = b[this.pos++];
      if (i === 4 && byte > 0x0f) {
        throw new DecodeError('VARINT_TOO_LONG', `unsigned varint exceeds 32 bits at offset ${this.pos - 1}`);
      }
      // Multiplication instead of shifts: 32-bit shifts would turn bit 31 into a sign.
      value += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) return value;
    }
    throw new DecodeError('VARINT_TOO_LONG', `unsigned varint longer than 5 bytes at offset ${this.pos - 5}`);
  }

  /** Signed (zig-zag) 32-bit varint. */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Signed (zig-zag) 64-bit varint, at most 10 bytes. */
  varlong(): bigint {
    const b = this.buf;
    let value = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new DecodeError('TRUNCATED', `varlong: input ends at offset ${this.pos}`);
      const byte = b[this.pos++];
      if (i === 9 && byte > 0x01) {
        throw new DecodeError('VARINT_TOO_LONG', `varlong exceeds 64 bits at offset ${this.pos - 1}`);
      }
      value |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if ((byte & 0x80) === 0) return (value >> 1n) ^ -(value & 1n);
    }
    throw new DecodeError('VARINT_TOO_LONG', `varlong longer than 10 bytes at offset ${this.pos - 10}`);
  }

  // ---- strings --------------------------------------------------------------------------------

  private utf8(len: number, what: string): string {
    this.need(len, what);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /** int16 length + UTF-8. */
  string(): string {
    const len = this.int16();
    if (len < 0) throw nullOrNegative(len, 'string', this.pos - 2);
    return this.utf8(len, 'string');
  }

  /** int16 length + UTF-8; length -1 is null. */
  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    if (len < 0) throw nullOrNegative(len, 'string', this.pos - 2);
    return this.utf8(len, 'string');
  }

  /** uvarint (length + 1) + UTF-8. */
  compactString(): string {
    const n = this.uvarint();
    if (n === 0) throw new DecodeError('INVALID_VALUE', `non-nullable compact string is null at offset ${this.pos - 1}`);
    return this.utf8(n - 1, 'compact string');
  }

  /** uvarint (length + 1) + UTF-8; 0 is null. */
  compactNullableString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.utf8(n - 1, 'compact string');
  }

  // ---- bytes (also used for `records`) -------------------------------------------------------

  private view(len: number, what: string): Buffer {
    this.need(len, what);
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  /** int32 length + bytes, as a view into the input. */
  bytes(): Buffer {
    const len = this.int32();
    if (len < 0) throw nullOrNegative(len, 'bytes', this.pos - 4);
    return this.view(len, 'bytes');
  }

  /** int32 length + bytes; length -1 is null. */
  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len === -1) return null;
    if (len < 0) throw nullOrNegative(len, 'bytes', this.pos - 4);
    return this.view(len, 'bytes');
  }

  /** uvarint (length + 1) + bytes. */
  compactBytes(): Buffer {
    const n = this.uvarint();
    if (n === 0) throw new DecodeError('INVALID_VALUE', `non-nullable compact bytes are null at offset ${this.pos - 1}`);
    return this.view(n - 1, 'compact bytes');
  }

  /** uvarint (length + 1) + bytes; 0 is null. */
  compactNullableBytes(): Buffer | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.view(n - 1, 'compact bytes');
  }

  // ---- array lengths ------------------------------------------------------------------------
  // `minElementSize` is the fewest bytes one element can take; a count that cannot fit in the
  // remaining bytes is rejected before the caller allocates or loops. Element types that may
  // take 0 bytes pass 0 and are still bounded by count <= remaining.

  private checkCount(count: number, minElementSize: number, at: number): number {
    if (count * Math.max(minElementSize, 1) > this.end - this.pos) {
      throw new DecodeError(
        'TRUNCATED',
        `array at offset ${at} claims ${count} elements, but only ${this.end - this.pos} bytes are left`,
      );
    }
    return count;
  }

  /** int32 count. */
  arrayLength(minElementSize: number): number {
    const at = this.pos;
    const n = this.int32();
    if (n < 0) throw nullOrNegative(n, 'array', at);
    return this.checkCount(n, minElementSize, at);
  }

  /** int32 count; -1 (null) is returned as -1. */
  nullableArrayLength(minElementSize: number): number {
    const at = this.pos;
    const n = this.int32();
    if (n === -1) return -1;
    if (n < 0) throw nullOrNegative(n, 'array', at);
    return this.checkCount(n, minElementSize, at);
  }

  /** uvarint (count + 1). */
  compactArrayLength(minElementSize: number): number {
    const at = this.pos;
    const n = this.uvarint();
    if (n === 0) throw new DecodeError('INVALID_VALUE', `non-nullable compact array is null at offset ${at}`);
    return this.checkCount(n - 1, minElementSize, at);
  }

  /** uvarint (count + 1); null is returned as -1. */
  compactNullableArrayLength(minElementSize: number): number {
    const at = this.pos;
    const n = this.uvarint();
    if (n === 0) return -1;
    return this.checkCount(n - 1, minElementSize, at);
  }

  // ---- tagged fields (flexible versions) ----------------------------------------------------

  /**
   * Reads the size of the tagged field whose tag was just read, and returns the position where its
   * value ends. Generated code reads a known tag's value and then calls `endTaggedField`, or skips
   * an unknown tag with `pos = end`.
   */
  taggedFieldEnd(): number {
    const size = this.uvarint();
    this.need(size, 'tagged field');
    return this.pos + size;
  }

  /** A known tagged field must occupy exactly the size its header declared. */
  endTaggedField(end: number): void {
    if (this.pos !== end) {
      throw new DecodeError('INVALID_LENGTH', `tagged field ends at offset ${this.pos}, its size said ${end}`);
    }
  }

  /** Skips a whole tagged-field section (for structs that define no tagged fields). */
  skipTaggedFields(): void {
    for (let n = this.uvarint(); n > 0; n--) {
      this.uvarint(); // tag
      this.pos = this.taggedFieldEnd();
    }
  }
}

function nullOrNegative(len: number, what: string, at: number): DecodeError {
  return len === -1
    ? new DecodeError('INVALID_VALUE', `non-nullable ${what} is null at offset ${at}`)
    : new DecodeError('INVALID_LENGTH', `${what} at offset ${at} has negative length ${len}`);
}
