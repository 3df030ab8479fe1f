// gzip (attribute code 1): RFC 1952 via node:zlib. Multi-member streams are accepted (as Java's
// GZIPInputStream does). The output cap is zlib's own `maxOutputLength`, which stops inflating as soon
// as the limit is passed, so a bomb costs at most `limit` bytes of memory.
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { RecordsError } from '../errors.js';
import { type CompressOptions, type DecompressOptions, corrupt, outputLimit, tooLarge } from './common.js';

export function gzipCompress(input: Buffer, options?: CompressOptions): Buffer {
  return gzipSync(input, { level: options?.level ?? constants.Z_DEFAULT_COMPRESSION });
}

export function gzipDecompress(input: Buffer, options?: DecompressOptions): Buffer {
  const limit = outputLimit(options);
  try {
    // maxOutputLength must be ≥ 1 for zlib.
    const out = gunzipSync(input, { maxOutputLength: Math.max(1, limit) });
    if (out.length > limit) throw tooLarge('gzip', limit, out.length);
    return out;
  } catch (e) {
    if (e instanceof RecordsError) throw e;
    if ((e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('gzip', limit);
    throw corrupt('gzip', 'inflate failed', e);
  }
}
