// zstd (attribute code 4) via zstd-napi's low-level binding, so that decompression can be capped.
//
// zstd-napi's high-level decompress() trusts the frame-content-size field (allocating whatever a
// hostile header claims) and, with no content size, returns a truncated stream's partial output
// without an error. Here:
// - when every frame declares its content size, the sum is checked against the limit before one
//   exact allocation (and zstd verifies the declared size while decoding);
// - otherwise we stream into chunks, stopping as soon as the output passes the limit, and require
//   that the last frame ended (a truncated stream is an error).
// Memory note: zstd itself may allocate a window of up to 2^27 bytes (its default windowLogMax) for a
// frame that declares one, independently of our output limit; the context is reused, so this is a
// per-process constant, not a per-request cost.
import binding from 'zstd-napi/binding.js';
import { RecordsError } from '../errors.js';
import { type CompressOptions, type DecompressOptions, corrupt, outputLimit, tooLarge } from './common.js';

/** Kafka's default zstd level (compression.zstd.level). */
export const ZSTD_DEFAULT_LEVEL = 3;

let cctx: InstanceType<typeof binding.CCtx> | undefined;
let dctx: InstanceType<typeof binding.DCtx> | undefined;
let scratch: Buffer = Buffer.alloc(0);
const STREAM_CHUNK = binding.dStreamOutSize();

export function zstdCompress(input: Buffer, options?: CompressOptions): Buffer {
  cctx ??= new binding.CCtx();
  const bound = binding.compressBound(input.length);
  // Compress into a reused scratch buffer and copy out the exact result: avoids allocating (and
  // retaining) a compressBound-sized buffer per call.
  if (scratch.length < bound) scratch = Buffer.allocUnsafe(Math.max(bound, 64 * 1024));
  const n = cctx.compress(scratch, input, options?.level ?? ZSTD_DEFAULT_LEVEL);
  return Buffer.from(scratch.subarray(0, n));
}

/**
 * Sum of the content sizes the frames declare, or null when a frame does not declare one. Throws
 * tooLarge as soon as the running sum passes `limit` (before looking further), corrupt on a bad header.
 */
function declaredContentSize(input: Buffer, limit: number): number | null {
  let total = 0;
  let frame = input;
  while (frame.length > 0) {
    let size: number | null;
    let frameLength: number;
    try {
      size = binding.getFrameContentSize(frame);
      if (size !== null && total + size > limit) throw tooLarge('zstd', limit, total + size);
      frameLength = binding.findFrameCompressedSize(frame);
    } catch (e) {
      if (e instanceof RecordsError) throw e;
      throw corrupt('zstd', 'bad frame header', e);
    }
    if (size === null) return null;
    total += size;
    frame = frame.subarray(frameLength);
  }
  return total;
}

export function zstdDecompress(input: Buffer, options?: DecompressOptions): Buffer {
  const limit = outputLimit(options);
  if (input.length === 0) throw corrupt('zstd', 'empty payload');
  dctx ??= new binding.DCtx();
  const ctx = dctx;
  try {
    ctx.reset(binding.ResetDirective.sessionOnly);
    const declared = declaredContentSize(input, limit);
    if (declared !== null) {
      const out = Buffer.allocUnsafe(declared);
      const n = ctx.decompress(out, input);
      if (n !== declared) throw corrupt('zstd', `decoded ${n} bytes, frames declared ${declared}`);
      return out;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    let src = input;
    let ret = -1; // zstd's hint from the last call that made progress; 0 = a frame just ended
    for (;;) {
      const room = Math.min(STREAM_CHUNK, limit - total + 1);
      const dst = Buffer.allocUnsafe(room);
      const [hint, produced, consumed] = ctx.decompressStream(dst, src);
      if (produced === 0 && consumed === 0) {
        if (src.length > 0) throw corrupt('zstd', 'decoder made no progress');
        if (ret !== 0) throw corrupt('zstd', 'stream ends inside a frame');
        break;
      }
      ret = hint;
      src = src.subarray(consumed);
      if (produced > 0) {
        total += produced;
        if (total > limit) throw tooLarge('zstd', limit, total);
        chunks.push(dst.subarray(0, produced));
      }
      if (src.length === 0 && produced < dst.length) {
        // All input consumed and the output buffer was not filled: nothing is left to flush.
        if (ret !== 0) throw corrupt('zstd', 'stream ends inside a frame');
        break;
      }
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } catch (e) {
    if (e instanceof RecordsError) throw e;
    throw corrupt('zstd', 'frame does not decode', e);
  } finally {
    ctx.reset(binding.ResetDirective.sessionOnly);
  }
}
