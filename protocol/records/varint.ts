// Zig-zag varint (int32) and varlong (int64) as used inside magic-v2 records, with a bounds-checked
// reader that throws RecordsError(INVALID_RECORD) instead of reading past `end`.
// Semantics follow Kafka's ByteUtils: at most 5 bytes for a varint and 10 for a varlong; excess high
// bits of the last byte are dropped (as Java's shifts do).
import { RecordsError, RecordsErrorCode } from './errors.js';

const MAX_SAFE_ZIGZAG = 2 ** 52; // |v| < 2^52 → zig-zag value < 2^53, exact as a Number

export function sizeOfVarint(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}

/** Writes `value` (an int32) as a zig-zag varint at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

function zigzagLong(value: bigint): bigint {
  return BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
}

export function sizeOfVarlong(value: bigint): number {
  if (value > -MAX_SAFE_ZIGZAG && value < MAX_SAFE_ZIGZAG) {
    const n = Number(value);
    let v = n >= 0 ? n * 2 : -n * 2 - 1;
    let size = 1;
    while (v >= 128) {
      v = Math.floor(v / 128);
      size++;
    }
    return size;
  }
  let v = zigzagLong(value);
  let size = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    size++;
  }
  return size;
}

/** Writes `value` (an int64) as a zig-zag varlong at `pos`; returns the position after it. */
export function writeVarlong(buf: Buffer, pos: number, value: bigint): number {
  if (value > -MAX_SAFE_ZIGZAG && value < MAX_SAFE_ZIGZAG) {
    const n = Number(value);
    let v = n >= 0 ? n * 2 : -n * 2 - 1;
    while (v >= 128) {
      buf[pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[pos++] = v;
    return pos;
  }
  let v = zigzagLong(value);
  while (v >= 0x80n) {
    buf[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
  return pos;
}

/** A forward-only reader over buf[pos, end) for record bodies. */
export class RecordCursor {
  buf: Buffer;
  pos: number;
  end: number;

  constructor(buf: Buffer, pos: number, end: number) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  fail(what: string, position = this.pos): never {
    throw new RecordsError(RecordsErrorCode.INVALID_RECORD, `invalid record: ${what} at byte ${position}`, {
      position,
    });
  }

  remaining(): number {
    return this.end - this.pos;
  }

  readInt8(): number {
    if (this.pos >= this.end) this.fail('unexpected end of data');
    const b = this.buf[this.pos++];
    return b > 127 ? b - 256 : b;
  }

  readVarint(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let value = 0;
    let shift = 0;
    for (;;) {
      if (pos >= end) this.fail('varint runs past the end of data');
      const b = buf[pos++];
      if ((b & 0x80) === 0) {
        value |= b << shift;
        break;
      }
      value |= (b & 0x7f) << shift;
      shift += 7;
      if (shift > 28) this.fail('varint longer than 5 bytes', this.pos);
    }
    this.pos = pos;
    return (value >>> 1) ^ -(value & 1);
  }

  readVarlong(): bigint {
    const buf = this.buf;
    const end = this.end;
    const start = this.pos;
    let pos = start;
    // Fast path: up to 7 bytes (49 bits) accumulate exactly in a Number.
    let raw = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (pos >= end) this.fail('varlong runs past the end of data');
      const b = buf[pos++];
      raw += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        this.pos = pos;
        return BigInt(raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2);
      }
      mul *= 128;
    }
    // Slow path for 8..10 byte varlongs.
    pos = start;
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= end) this.fail('varlong runs past the end of data');
      const b = buf[pos++];
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
      if (shift > 63n) this.fail('varlong longer than 10 bytes', start);
    }
    this.pos = pos;
    v = BigInt.asUintN(64, v);
    return BigInt.asIntN(64, (v >> 1n) ^ -(v & 1n));
  }

  /** A view (no copy) of the next `len` bytes. */
  readView(len: number): Buffer {
    if (len > this.end - this.pos) this.fail(`field of ${len} bytes runs past the end of data`);
    const start = this.pos;
    this.pos += len;
    return this.buf.subarray(start, this.pos);
  }

  /** varint length + bytes; length -1 is null, below -1 is malformed. */
  readNullableBytes(what: string): Buffer | null {
    const at = this.pos;
    const len = this.readVarint();
    if (len === -1) return null;
    if (len < 0) this.fail(`${what} has negative length ${len}`, at);
    return this.readView(len);
  }
}
