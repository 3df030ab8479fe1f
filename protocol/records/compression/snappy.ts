// snappy (attribute code 2).
//
// Two framings are in use on the wire:
// - xerial / snappy-java "blocking" framing, written by the Java client (SnappyOutputStream):
//     magic  \x82 S N A P P Y \x00     (8 bytes)
//     int32  version (1)  int32 min-compatible version (1)       (big-endian)
//     then blocks: int32 BE compressed length + one raw snappy block (32 KiB of input each)
// - raw snappy (one block, varint uncompressed-length preamble), written by librdkafka
//   (rd_kafka_snappy_compress_iov) and kafkajs-snappy (`snappy.compress`).
// Every decoder we care about accepts both by sniffing the magic: snappy-java's SnappyInputStream,
// librdkafka's reader (xerial when the magic matches, raw otherwise) and kafkajs-snappy (same test).
// We therefore decode both and encode xerial, the Java client's format, which all of them read.
// (This is not Google's framing format "sNaPpY" — snappy's Compressor/Decompressor classes — which
// Kafka does not use.)
//
// Bounding: every raw block states its uncompressed length in its preamble and the library rejects a
// block whose output differs, so we sum the preambles first and refuse before allocating anything.
import { compressSync, uncompressSync } from 'snappy';
import { RecordsError, RecordsErrorCode } from '../errors.js';
import { type DecompressOptions, corrupt, outputLimit, tooLarge } from './common.js';

export const XERIAL_MAGIC: Buffer = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
export const XERIAL_HEADER_SIZE = 16;
/** snappy-java's default block size (uncompressed bytes per block). */
export const XERIAL_BLOCK_SIZE = 32 * 1024;

export function isXerial(input: Buffer): boolean {
  return input.length >= XERIAL_HEADER_SIZE && input.compare(XERIAL_MAGIC, 0, 8, 0, 8) === 0;
}

/** Raw snappy, one block (what librdkafka and kafkajs-snappy send). */
export function snappyCompressRaw(input: Buffer): Buffer {
  return compressSync(input);
}

/** xerial framing, blocks of `blockSize` input bytes (what the Java client sends). */
export function snappyCompress(input: Buffer, blockSize = XERIAL_BLOCK_SIZE): Buffer {
  if (!Number.isSafeInteger(blockSize) || blockSize < 1) {
    throw new RecordsError(RecordsErrorCode.INVALID_ARGUMENT, `xerial block size must be a positive integer, got ${blockSize}`);
  }
  const parts: Buffer[] = [];
  let total = XERIAL_HEADER_SIZE;
  let pos = 0;
  do {
    // An empty input still gets one (empty) block, so the output is never header-only: librdkafka only
    // recognises the xerial magic when more than 20 bytes follow it.
    const block = compressSync(input.subarray(pos, pos + blockSize));
    parts.push(block);
    total += 4 + block.length;
    pos += blockSize;
  } while (pos < input.length);
  const out = Buffer.allocUnsafe(total);
  XERIAL_MAGIC.copy(out, 0);
  out.writeInt32BE(1, 8);
  out.writeInt32BE(1, 12);
  let at = XERIAL_HEADER_SIZE;
  for (const block of parts) {
    out.writeInt32BE(block.length, at);
    block.copy(out, at + 4);
    at += 4 + block.length;
  }
  return out;
}

/** The uncompressed length a raw snappy block declares in its varint preamble. */
function declaredLength(block: Buffer): number {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= block.length) throw corrupt('snappy', 'block ends inside its length preamble');
    const b = block[i];
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (value > 0xffffffff) throw corrupt('snappy', 'block length preamble exceeds 32 bits');
      return value;
    }
  }
  throw corrupt('snappy', 'block length preamble longer than 5 bytes');
}

function uncompressBlock(block: Buffer): Buffer {
  try {
    return uncompressSync(block, { asBuffer: true }) as Buffer;
  } catch (e) {
    throw corrupt('snappy', 'block does not decode', e);
  }
}

export function snappyDecompress(input: Buffer, options?: DecompressOptions): Buffer {
  const limit = outputLimit(options);
  try {
    if (!isXerial(input)) {
      const declared = declaredLength(input);
      if (declared > limit) throw tooLarge('snappy', limit, declared);
      return uncompressBlock(input);
    }
    // Pass 1: walk the block lengths and sum the declared sizes.
    const blocks: Buffer[] = [];
    let total = 0;
    let pos = XERIAL_HEADER_SIZE;
    while (pos < input.length) {
      if (input.length - pos < 4) throw corrupt('snappy', `xerial stream ends inside a block length at byte ${pos}`);
      const len = input.readInt32BE(pos);
      pos += 4;
      if (len < 0 || len > input.length - pos) {
        throw corrupt('snappy', `xerial block length ${len} at byte ${pos - 4} exceeds the stream`);
      }
      const block = input.subarray(pos, pos + len);
      pos += len;
      total += declaredLength(block);
      if (total > limit) throw tooLarge('snappy', limit, total);
      blocks.push(block);
    }
    // Pass 2: decode into one exactly-sized buffer.
    const out = Buffer.allocUnsafe(total);
    let at = 0;
    for (const block of blocks) {
      const plain = uncompressBlock(block);
      plain.copy(out, at);
      at += plain.length;
    }
    if (at !== total) throw corrupt('snappy', `decoded ${at} bytes, blocks declared ${total}`);
    return out;
  } catch (e) {
    if (e instanceof RecordsError) throw e;
    throw corrupt('snappy', 'unexpected failure', e);
  }
}
