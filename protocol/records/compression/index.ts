// Codec dispatch for record-batch payloads. Attribute bits 0-2 of a v2 batch name the codec.
import { RecordsError, RecordsErrorCode } from '../errors.js';
import { type CompressOptions, type DecompressOptions, DEFAULT_MAX_DECOMPRESSED_BYTES, outputLimit, tooLarge } from './common.js';
import { gzipCompress, gzipDecompress } from './gzip.js';
import { lz4Compress, lz4Decompress } from './lz4.js';
import { snappyCompress, snappyDecompress } from './snappy.js';
import { zstdCompress, zstdDecompress } from './zstd.js';

export type { CompressOptions, DecompressOptions };
export { DEFAULT_MAX_DECOMPRESSED_BYTES };

export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Attribute code of each codec (batch attributes & 0x07). */
export const COMPRESSION_CODES = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const satisfies Record<
  CompressionType,
  number
>;

const BY_CODE: readonly CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Codec for an attribute code (0..4); RecordsError UNKNOWN_COMPRESSION for 5..7 or anything else. */
export function compressionFromCode(code: number): CompressionType {
  const type = BY_CODE[code];
  if (type === undefined) {
    throw new RecordsError(RecordsErrorCode.UNKNOWN_COMPRESSION, `unknown compression codec id ${code}`, {
      codec: String(code),
    });
  }
  return type;
}

export function compressionCode(type: CompressionType): number {
  const code = COMPRESSION_CODES[type];
  if (code === undefined) {
    throw new RecordsError(RecordsErrorCode.UNKNOWN_COMPRESSION, `unknown compression type ${String(type)}`);
  }
  return code;
}

/** Compresses with Kafka's framing for the codec ('none' returns `input` itself). */
export function compress(type: CompressionType, input: Buffer, options?: CompressOptions): Buffer {
  switch (type) {
    case 'none':
      return input;
    case 'gzip':
      return gzipCompress(input, options);
    case 'snappy':
      return snappyCompress(input);
    case 'lz4':
      return lz4Compress(input);
    case 'zstd':
      return zstdCompress(input, options);
    default:
      return compressionCode(type) as never;
  }
}

/**
 * Decompresses a batch payload. Output above `maxOutputBytes` (default 64 MiB) is refused with
 * RecordsError DECOMPRESSED_TOO_LARGE before it is materialised; any codec failure becomes
 * RecordsError CORRUPT_COMPRESSED. 'none' returns `input` itself (subject to the same limit).
 */
export function decompress(type: CompressionType, input: Buffer, options?: DecompressOptions): Buffer {
  switch (type) {
    case 'none': {
      const limit = outputLimit(options);
      if (input.length > limit) throw tooLarge('none', limit, input.length);
      return input;
    }
    case 'gzip':
      return gzipDecompress(input, options);
    case 'snappy':
      return snappyDecompress(input, options);
    case 'lz4':
      return lz4Decompress(input, options);
    case 'zstd':
      return zstdDecompress(input, options);
    default:
      return compressionCode(type) as never;
  }
}
