/**
 * The 'lz4-blocks' segment framing: a segment's batches in blocks of whole batches (about
 * BLOCK_BYTES each; a larger batch is a block of its own), each block LZ4-compressed on its own,
 * or stored as is when LZ4 would not make it smaller.
 *
 *   block := kind u8 (0 stored, 1 LZ4) | rawLength u32 | storedLength u32 | stored bytes
 *
 * Why not the LZ4 frame format (the older 'lz4' segments): lz4-napi's asynchronous calls allocate
 * their results on the thread pool, and that memory was not given back: a broker on S3 held 940–
 * 1,000 MB where the same run with uncompressed segments held 703 MB, and a loop of 400
 * decompressFrame calls of 5 MB grew a process to 800 MB while 20 MB of results were alive. The
 * synchronous block calls used here allocate on the main thread (uncompressSync even into a
 * Node Buffer), and cost no more than one block of main-thread time at a time: the work yields to
 * the event loop between slices of YIELD_BYTES. Decoded blocks are the segment's parts, so a
 * segment is never joined into one buffer, and each part starts and ends on a batch boundary as
 * SegmentParts requires.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { compressSync, uncompressSync } from 'lz4-napi';
import { BATCH_HEADER_OFFSETS, LOG_OVERHEAD } from '../../protocol/records/index.js';
import type { SegmentParts } from './segment-cache.js';

/** Raw bytes per block: small enough to compress in well under a millisecond. */
export const BLOCK_BYTES = 1024 * 1024;
/** Main-thread work between two yields to the event loop. */
const YIELD_BYTES = 4 * 1024 * 1024;
const HEADER_BYTES = 9;
const KIND_STORED = 0;
const KIND_LZ4 = 1;

export class CorruptSegmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptSegmentError';
  }
}

/** The batches of `parts` cut into blocks: each block is a list of views, whole batches only. */
function* blocksOf(parts: SegmentParts): IterableIterator<Buffer[]> {
  let block: Buffer[] = [];
  let blockBytes = 0;
  for (const part of parts) {
    let pos = 0;
    let start = 0;
    while (pos < part.length) {
      if (pos + LOG_OVERHEAD > part.length) throw new RangeError(`segment part of ${part.length} bytes ends inside a batch header at ${pos}`);
      const size = part.readInt32BE(pos + BATCH_HEADER_OFFSETS.batchLength) + LOG_OVERHEAD;
      if (size < LOG_OVERHEAD || pos + size > part.length) throw new RangeError(`segment part of ${part.length} bytes has a batch of ${size} bytes at ${pos}`);
      if (blockBytes + (pos - start) > 0 && blockBytes + (pos - start) + size > BLOCK_BYTES) {
        if (pos > start) block.push(part.subarray(start, pos));
        yield block;
        block = [];
        blockBytes = 0;
        start = pos;
      }
      pos += size;
    }
    if (pos > start) {
      block.push(part.subarray(start, pos));
      blockBytes += pos - start;
    }
  }
  if (blockBytes > 0) yield block;
}

/** One block's batches as one buffer: a view when they are, a copy into a reused buffer if not. */
let joinScratch: Buffer | null = null;
function joined(pieces: readonly Buffer[]): Buffer {
  if (pieces.length === 1) return pieces[0];
  // Only blocks of several batches are joined, and those are at most BLOCK_BYTES.
  joinScratch ??= Buffer.allocUnsafeSlow(BLOCK_BYTES);
  let at = 0;
  for (const p of pieces) at += p.copy(joinScratch, at);
  return joinScratch.subarray(0, at);
}

function header(kind: number, rawLength: number, storedLength: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER_BYTES);
  h.writeUInt8(kind, 0);
  h.writeUInt32BE(rawLength, 1);
  h.writeUInt32BE(storedLength, 5);
  return h;
}

/** Frames a segment's batches as LZ4 blocks; the result's buffers go into the object back to back. */
export async function encodeLz4Blocks(parts: SegmentParts): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let sinceYield = 0;
  for (const pieces of blocksOf(parts)) {
    const raw = joined(pieces);
    const compressed = compressSync(raw); // before any await: `raw` may be the shared join buffer
    // Stored unless LZ4 saves at least 1/32: incompressible data is not worth decompressing.
    if (compressed.length < raw.length - (raw.length >>> 5)) out.push(header(KIND_LZ4, raw.length, compressed.length), compressed);
    else out.push(header(KIND_STORED, raw.length, raw.length), ...pieces);
    sinceYield += raw.length;
    if (sinceYield >= YIELD_BYTES) {
      sinceYield = 0;
      await yieldToLoop();
    }
  }
  return out;
}

/**
 * The batches of an 'lz4-blocks' body, as one part per block (stored blocks are views of `body`).
 * Throws CorruptSegmentError unless the blocks decode to exactly `rawLength` bytes.
 */
export async function decodeLz4Blocks(body: Buffer, rawLength: number): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  let pos = 0;
  let decoded = 0;
  let sinceYield = 0;
  while (pos < body.length) {
    if (pos + HEADER_BYTES > body.length) throw new CorruptSegmentError(`lz4-blocks: truncated block header at ${pos} of ${body.length}`);
    const kind = body.readUInt8(pos);
    const blockRaw = body.readUInt32BE(pos + 1);
    const stored = body.readUInt32BE(pos + 5);
    pos += HEADER_BYTES;
    if (pos + stored > body.length) throw new CorruptSegmentError(`lz4-blocks: block of ${stored} bytes at ${pos} overruns the body (${body.length})`);
    if (blockRaw === 0 || decoded + blockRaw > rawLength) throw new CorruptSegmentError(`lz4-blocks: block of ${blockRaw} raw bytes at ${pos} exceeds the segment's ${rawLength}`);
    const bytes = body.subarray(pos, pos + stored);
    if (kind === KIND_STORED) {
      if (stored !== blockRaw) throw new CorruptSegmentError(`lz4-blocks: stored block at ${pos} holds ${stored} bytes, says ${blockRaw}`);
      parts.push(bytes);
    } else if (kind === KIND_LZ4) {
      // lz4-napi's block starts with the raw size (little-endian) and allocates by it: check first.
      if (stored < 4 || bytes.readUInt32LE(0) !== blockRaw) throw new CorruptSegmentError(`lz4-blocks: LZ4 block at ${pos} does not announce its ${blockRaw} raw bytes`);
      let raw: Buffer;
      try {
        raw = uncompressSync(bytes);
      } catch (err) {
        throw new CorruptSegmentError(`lz4-blocks: LZ4 block at ${pos}: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (raw.length !== blockRaw) throw new CorruptSegmentError(`lz4-blocks: LZ4 block at ${pos} decoded to ${raw.length} bytes, expected ${blockRaw}`);
      parts.push(raw);
    } else {
      throw new CorruptSegmentError(`lz4-blocks: unknown block kind ${kind} at ${pos - HEADER_BYTES}`);
    }
    pos += stored;
    decoded += blockRaw;
    sinceYield += blockRaw;
    if (sinceYield >= YIELD_BYTES && pos < body.length) {
      sinceYield = 0;
      await yieldToLoop();
    }
  }
  if (decoded !== rawLength) throw new CorruptSegmentError(`lz4-blocks: decoded ${decoded} bytes, expected ${rawLength}`);
  return parts;
}
