import { ByteChunks } from './byte-chunks.js';
/**
 * Byte sizes at or above which `bytes`/`compactBytes` append the caller's Buffer as its own chunk
 * instead of copying it. Below it a copy into the scratch buffer is cheaper than an extra iovec.
 */
export const ZERO_COPY_THRESHOLD = 4096;

const INITIAL_SCRATCH = 256;
const MAX_SCRATCH = 64 * 1024;

/** A 4-byte hole reserved by `reserveInt32`, filled in later by `patchInt32`. */
export interface Int32Slot {
  readonly buf: Buffer;
  readonly offset: number;
}

/**
 * A growable, chunked output buffer.
 *
 * Small values are written into a scratch Buffer; when it fills up, the written part becomes a
 * chunk and a new, larger scratch is allocated (scratch memory is never reused, so chunks already
 * handed out stay valid). Large byte values (>= ZERO_COPY_THRESHOLD, i.e. record batches) are
 * appended by reference as chunks of their own: a Fetch response carrying megabytes of records is
 * built without copying them. `toChunks()` is meant for `socket.cork()` + `write` per chunk (or
 * writev); `toBuffer()` concatenates.
 *
 * Framing: `reserveInt32()` leaves a 4-byte hole and returns its slot; once the payload is written,
 * `patchInt32(slot, w.length - 4)` fills it in. This works because a slot points into scratch
 * memory that is never moved or reused.
 */
export class Writer {
  private readonly chunks: Buffer[] = [];
  private flushed = 0; // bytes in `chunks`
  private buf: Buffer;
  private start = 0; // first byte of `buf` not yet moved to `chunks`
  private pos = 0; // next byte to write in `buf`

  constructor(initialSize = INITIAL_SCRATCH) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Total bytes written so far. */
  get length(): number {
    return this.flushed + this.pos - this.start;
  }

  private flush(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.buf.subarray(this.start, this.pos));
      this.flushed += this.pos - this.start;
      this.start = this.pos;
    }
  }

  private ensure(n: number): void {
    if (this.pos + n > this.buf.length) {
      this.flush();
      const size = Math.max(n, Math.min(this.buf.length * 2, MAX_SCRATCH));
      this.buf = Buffer.allocUnsafe(size);
      this.start = this.pos = 0;
    }
  }

  /** The output as chunks, in order. The returned Buffers must not be modified. */
  toChunks(): Buffer[] {
    this.flush();
    return this.chunks.slice();
  }

  /** The output as one Buffer (copies when there is more than one chunk). */
  toBuffer(): Buffer {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0];
    return Buffer.concat(this.chunks, this.flushed);
  }

  /** Appends everything written to `other` (by reference, no copy). */
  append(other: Writer): void {
    this.flush();
    for (const c of other.toChunks()) {
      this.chunks.push(c);
      this.flushed += c.length;
    }
  }

  reserveInt32(): Int32Slot {
    this.ensure(4);
    const slot = { buf: this.buf, offset: this.pos };
    this.pos += 4;
    return slot;
  }

  patchInt32(slot: Int32Slot, value: number): void {
    slot.buf.writeInt32BE(value, slot.offset);
  }

  // ---- fixed-width values -------------------------------------------------------------------

  int8(v: number): void {
    this.ensure(1);
    this.pos = this.buf.writeInt8(v, this.pos);
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  int16(v: number): void {
    this.ensure(2);
    this.pos = this.buf.writeInt16BE(v, this.pos);
  }

  uint16(v: number): void {
    this.ensure(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }

  int32(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeInt32BE(v, this.pos);
  }

  uint32(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeUInt32BE(v, this.pos);
  }

  int64(v: bigint): void {
    this.ensure(8);
    this.pos = this.buf.writeBigInt64BE(v, this.pos);
  }

  float64(v: number): void {
    this.ensure(8);
    this.pos = this.buf.writeDoubleBE(v, this.pos);
  }

  /** A canonical UUID string (either case) as 16 bytes. */
  uuid(v: string): void {
    if (v.length !== 36 || !UUID_RE.test(v)) throw new Error(`not a UUID: ${JSON.stringify(v)}`);
    this.ensure(16);
    this.pos += this.buf.write(v.replace(/-/g, ''), this.pos, 16, 'hex');
  }

  // ---- varints ------------------------------------------------------------------------------

  uvarint(v: number): void {
    if (!(v >= 0 && v <= 0xffffffff) || !Number.isInteger(v)) throw new Error(`uvarint out of range: ${v}`);
    this.ensure(5);
    const b = this.buf;
    while (v >= 0x80) {
      b[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    b[this.pos++] = v;
  }

  /** Signed (zig-zag) 32-bit varint. */
  varint(v: number): void {
    this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  /** Signed (zig-zag) 64-bit varint. */
  varlong(v: bigint): void {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.ensure(10);
    const b = this.buf;
    while (u >= 0x80n) {
      b[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    b[this.pos++] = Number(u);
  }

  // ---- strings --------------------------------------------------------------------------------

  private utf8(s: string, len: number): void {
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }

  /** int16 length + UTF-8. */
  string(s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    if (len > 0x7fff) throw new Error(`string of ${len} bytes does not fit an int16 length`);
    this.int16(len);
    this.utf8(s, len);
  }

  nullableString(s: string | null): void {
    if (s === null) this.int16(-1);
    else this.string(s);
  }

  /** uvarint (length + 1) + UTF-8. */
  compactString(s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.uvarint(len + 1);
    this.utf8(s, len);
  }

  compactNullableString(s: string | null): void {
    if (s === null) this.uvarint(0);
    else this.compactString(s);
  }

  // ---- bytes (also used for `records`) -------------------------------------------------------

  /** Raw bytes without a length: copied when small, appended by reference when large. */
  raw(b: Buffer | ByteChunks): void {
    if (b instanceof ByteChunks) {
      for (const c of b.chunks) this.raw(c);
      return;
    }
    if (b.length >= ZERO_COPY_THRESHOLD) {
      this.flush();
      this.chunks.push(b);
      this.flushed += b.length;
    } else {
      this.ensure(b.length);
      this.pos += b.copy(this.buf, this.pos);
    }
  }

  /** int32 length + bytes. */
  bytes(b: Buffer | ByteChunks): void {
    this.int32(b.length);
    this.raw(b);
  }

  nullableBytes(b: Buffer | ByteChunks | null): void {
    if (b === null) this.int32(-1);
    else this.bytes(b);
  }

  /** uvarint (length + 1) + bytes. */
  compactBytes(b: Buffer | ByteChunks): void {
    this.uvarint(b.length + 1);
    this.raw(b);
  }

  compactNullableBytes(b: Buffer | ByteChunks | null): void {
    if (b === null) this.uvarint(0);
    else this.compactBytes(b);
  }

  // ---- arrays and tagged fields -------------------------------------------------------------

  /** int32 count; -1 for null. */
  arrayLength(n: number): void {
    this.int32(n);
  }

  /** uvarint (count + 1); -1 (null) becomes 0. */
  compactArrayLength(n: number): void {
    this.uvarint(n + 1);
  }

  /**
   * One entry of a tagged-field section: tag, size, value. The value is written into a separate
   * Writer first because its size precedes it; tagged fields are small and rare, so this is cheap.
   */
  taggedField(tag: number, write: (w: Writer) => void): void {
    const value = new Writer(64);
    write(value);
    this.uvarint(tag);
    this.uvarint(value.length);
    this.append(value);
  }
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
