// lz4 (attribute code 3): the LZ4 *frame* format (magic 04 22 4D 18), never bare LZ4 blocks.
//
// - Java writes frames with KafkaLZ4BlockOutputStream: FLG version 01 + independent blocks, no
//   checksums, BD 64 KiB. Its reader (KafkaLZ4BlockInputStream) REJECTS dependent (linked) blocks,
//   so what we write must keep the block-independence flag. lz4-napi's compressFrameSync defaults
//   (lz4_flex FrameInfo::default) produce exactly FLG 0x60, BD 0x40.
// - KAFKA-3160 (the header checksum computed over the magic too) concerns only magic 0/1 message
//   sets; magic v2 frames carry the standard header checksum, which lz4_flex verifies.
//
// Bounding: lz4-napi offers no output cap, so before decoding we walk the frame structure ourselves
// (header, block sizes, end mark, optional checksums) and compute an upper bound of the output: a
// stored block yields its own size, a compressed block at most min(blockMax, 255·size + 16) (LZ4's
// maximum expansion is ~255:1), a frame with a content size exactly that. Only the last block of a
// frame is normally short, so the bound overshoots by less than one block (≤ 4 MiB): a bound above
// limit + that slack is refused before any allocation; otherwise we decode and check the real size.
// Memory is thus capped at limit + 4 MiB. The walk also rejects truncated frames and trailing
// garbage or a second frame, which lz4_flex alone silently ignores.
//
// lz4-napi picks the block size from the input size (64 KiB up to 4 MiB for inputs ≥ 1 MiB); every
// reader accepts all four sizes (Java's BD parser included), and the output is always ONE frame —
// Java's reader stops after the first frame, so splitting input into several frames would lose data.
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { RecordsError } from '../errors.js';
import { type DecompressOptions, corrupt, outputLimit, tooLarge } from './common.js';

const FRAME_MAGIC = 0x184d2204;
const BLOCK_MAX: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };

export function lz4Compress(input: Buffer): Buffer {
  return compressFrameSync(input);
}

export interface Lz4FrameInfo {
  /** upper bound of the decompressed size (exact when the frame declares its content size) */
  bound: number;
  /** the frame's block maximum size: how much `bound` may overshoot */
  blockMaxSize: number;
}

/**
 * Validates the structure of `input` as exactly one LZ4 frame with nothing after it — Java's
 * KafkaLZ4BlockInputStream and lz4-napi both decode only the first frame and silently drop the rest,
 * and both refuse skippable frames — and bounds the decompressed size. Throws RecordsError
 * CORRUPT_COMPRESSED for anything malformed, DECOMPRESSED_TOO_LARGE for a declared content size
 * above `limit`. Checksums are left to the decoder.
 */
export function lz4FrameInfo(input: Buffer, limit: number): Lz4FrameInfo {
  let pos = 0;
  const need = (n: number, what: string): void => {
    if (input.length - pos < n) throw corrupt('lz4', `frame truncated in ${what} at byte ${pos}`);
  };
  need(4, 'magic');
  const magic = input.readUInt32LE(0);
  if (magic !== FRAME_MAGIC) throw corrupt('lz4', `bad frame magic 0x${magic.toString(16)}`);
  pos = 4;
  need(3, 'frame descriptor');
  const flg = input[pos];
  const bd = input[pos + 1];
  if (flg >> 6 !== 1) throw corrupt('lz4', `unsupported frame version ${flg >> 6}`);
  if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw corrupt('lz4', 'reserved descriptor bits set');
  const blockMaxSize = BLOCK_MAX[(bd >> 4) & 0x07];
  if (blockMaxSize === undefined) throw corrupt('lz4', `invalid block maximum size id ${(bd >> 4) & 0x07}`);
  const blockChecksum = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const hasDictId = (flg & 0x01) !== 0;
  const descriptorSize = 2 + (hasContentSize ? 8 : 0) + (hasDictId ? 4 : 0) + 1;
  need(descriptorSize, 'frame descriptor');
  let contentSize = -1;
  if (hasContentSize) {
    const declared = input.readBigUInt64LE(pos + 2);
    if (declared > BigInt(limit)) throw tooLarge('lz4', limit, Number(declared));
    contentSize = Number(declared);
  }
  pos += descriptorSize;
  let bound = 0;
  for (;;) {
    need(4, 'block size');
    const word = input.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break; // end mark
    const stored = word >= 0x80000000;
    const size = stored ? word - 0x80000000 : word;
    if (size > blockMaxSize) throw corrupt('lz4', `block of ${size} bytes exceeds the frame's ${blockMaxSize}-byte maximum`);
    need(size + (blockChecksum ? 4 : 0), 'block');
    pos += size + (blockChecksum ? 4 : 0);
    bound += stored ? size : Math.min(blockMaxSize, size * 255 + 16);
  }
  if (contentChecksum) {
    need(4, 'content checksum');
    pos += 4;
  }
  if (pos !== input.length) throw corrupt('lz4', `${input.length - pos} bytes after the end of the LZ4 frame`);
  return { bound: contentSize >= 0 ? Math.min(contentSize, bound) : bound, blockMaxSize };
}

export function lz4Decompress(input: Buffer, options?: DecompressOptions): Buffer {
  const limit = outputLimit(options);
  const { bound, blockMaxSize } = lz4FrameInfo(input, limit);
  if (bound > limit + blockMaxSize) throw tooLarge('lz4', limit);
  let out: Buffer;
  try {
    out = decompressFrameSync(input);
  } catch (e) {
    if (e instanceof RecordsError) throw e;
    throw corrupt('lz4', 'frame does not decode', e);
  }
  if (out.length > limit) throw tooLarge('lz4', limit, out.length);
  return out;
}
