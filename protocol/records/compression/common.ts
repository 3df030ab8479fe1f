// Shared pieces of the codec modules: the decompression output limit and typed errors.
import { RecordsError, RecordsErrorCode } from '../errors.js';

/** Default cap on the output of one decompression (a produce request cannot make us allocate more). */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export interface DecompressOptions {
  /** Refuse (RecordsError DECOMPRESSED_TOO_LARGE) output larger than this. Default 64 MiB. */
  maxOutputBytes?: number;
}

export interface CompressOptions {
  /** Codec level where the codec has one (gzip 1..9, default 6; zstd, default 3 — Kafka's defaults). */
  level?: number;
}

export function outputLimit(options: DecompressOptions | undefined): number {
  const limit = options?.maxOutputBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RecordsError(RecordsErrorCode.INVALID_ARGUMENT, `maxOutputBytes must be a non-negative integer, got ${limit}`);
  }
  return limit;
}

export function tooLarge(codec: string, limit: number, atLeast?: number): RecordsError {
  const size = atLeast === undefined ? '' : ` (at least ${atLeast} bytes)`;
  return new RecordsError(
    RecordsErrorCode.DECOMPRESSED_TOO_LARGE,
    `${codec} payload decompresses to more than the ${limit}-byte limit${size}`,
    { codec },
  );
}

export function corrupt(codec: string, message: string, cause?: unknown): RecordsError {
  const why = cause instanceof Error ? `: ${cause.message}` : '';
  return new RecordsError(RecordsErrorCode.CORRUPT_COMPRESSED, `corrupt ${codec} payload: ${message}${why}`, {
    codec,
    cause,
  });
}
