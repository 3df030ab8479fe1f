/**
 * Layout of a flush object: the runs of every partition written in one flush, back to back,
 * then a footer that indexes them, so an object can be understood without the metadata store
 * (recovery tools, orphan checks):
 *
 *   run 0 | run 1 | … | footer entries | entry count (u32) | footer length (u32) | "SHO1"
 *
 * Each footer entry: topic id (16 bytes), partition (i32), base offset (i64), last offset (i64),
 * byte start (u32), byte length (u32), raw length (u32), format (u8: 0 raw, 1 lz4),
 * max timestamp (i64) = 61 bytes.
 */
import type { SegmentFormat } from '../metadata/metadata-store.js';

export const OBJECT_MAGIC = Buffer.from('SHO1', 'latin1');
const ENTRY_BYTES = 61;
const TRAILER_BYTES = 12;

export interface ObjectRunEntry {
  topicId: string;
  partition: number;
  baseOffset: bigint;
  lastOffset: bigint;
  byteStart: number;
  byteLength: number;
  rawLength: number;
  format: SegmentFormat;
  maxTimestamp: bigint;
}

export class ObjectFormatError extends Error {
  readonly code = 'OBJECT_FORMAT';
  constructor(message: string) {
    super(message);
    this.name = 'ObjectFormatError';
  }
}

function uuidToBytes(id: string, out: Buffer, at: number): void {
  const hex = id.replace(/-/g, '');
  if (hex.length !== 32) throw new ObjectFormatError(`bad topic id ${id}`);
  out.write(hex, at, 16, 'hex');
}

function bytesToUuid(buf: Buffer, at: number): string {
  const h = buf.toString('hex', at, at + 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A run's format in the footer: its index here. */
const FORMAT_CODES: readonly SegmentFormat[] = ['raw', 'lz4', 'lz4-blocks'];

/** The footer (entries and trailer) for runs already laid out at the given byte ranges. */
export function encodeFooter(entries: readonly ObjectRunEntry[]): Buffer {
  const out = Buffer.alloc(entries.length * ENTRY_BYTES + TRAILER_BYTES);
  let at = 0;
  for (const e of entries) {
    uuidToBytes(e.topicId, out, at);
    out.writeInt32BE(e.partition, at + 16);
    out.writeBigInt64BE(e.baseOffset, at + 20);
    out.writeBigInt64BE(e.lastOffset, at + 28);
    out.writeUInt32BE(e.byteStart, at + 36);
    out.writeUInt32BE(e.byteLength, at + 40);
    out.writeUInt32BE(e.rawLength, at + 44);
    out.writeUInt8(FORMAT_CODES.indexOf(e.format), at + 48);
    out.writeBigInt64BE(e.maxTimestamp, at + 49);
    at += ENTRY_BYTES;
  }
  out.writeUInt32BE(entries.length, at);
  out.writeUInt32BE(entries.length * ENTRY_BYTES, at + 4);
  OBJECT_MAGIC.copy(out, at + 8);
  return out;
}

/** Reads the footer of a whole object. */
export function decodeFooter(object: Buffer): ObjectRunEntry[] {
  if (object.length < TRAILER_BYTES) throw new ObjectFormatError('object too short for a footer');
  const t = object.length - TRAILER_BYTES;
  if (!object.subarray(t + 8).equals(OBJECT_MAGIC)) throw new ObjectFormatError('missing object magic');
  const count = object.readUInt32BE(t);
  const footerLength = object.readUInt32BE(t + 4);
  if (footerLength !== count * ENTRY_BYTES || footerLength > t) throw new ObjectFormatError('bad footer length');
  const entries: ObjectRunEntry[] = [];
  let at = t - footerLength;
  for (let i = 0; i < count; i++) {
    const format = object.readUInt8(at + 48);
    if (format >= FORMAT_CODES.length) throw new ObjectFormatError(`unknown run format ${format}`);
    const e: ObjectRunEntry = {
      topicId: bytesToUuid(object, at),
      partition: object.readInt32BE(at + 16),
      baseOffset: object.readBigInt64BE(at + 20),
      lastOffset: object.readBigInt64BE(at + 28),
      byteStart: object.readUInt32BE(at + 36),
      byteLength: object.readUInt32BE(at + 40),
      rawLength: object.readUInt32BE(at + 44),
      format: FORMAT_CODES[format],
      maxTimestamp: object.readBigInt64BE(at + 49),
    };
    if (e.byteStart + e.byteLength > t - footerLength) throw new ObjectFormatError('run outside the object');
    entries.push(e);
    at += ENTRY_BYTES;
  }
  return entries;
}

/** Key of a flush object: time-ordered, unique per agent. */
export function flushObjectKey(agentId: string, sequence: number, now: number): string {
  return `objects/${now.toString().padStart(15, '0')}-${agentId}-${sequence.toString().padStart(10, '0')}.obj`;
}

/**
 * Key of a merged per-partition segment: `{topic}/{partition}/seg_{base offset, 20 digits}.{unique}.bin`.
 * The unique part matters: a topic deleted and created again under the same name, or a later
 * merge starting at the same base offset, must never overwrite an object that a row (or the
 * garbage collector's list) still names.
 */
export function segmentObjectKey(topic: string, partition: number, baseOffset: bigint, unique: string): string {
  return `${topic}/${partition}/seg_${baseOffset.toString().padStart(20, '0')}.${unique}.bin`;
}
