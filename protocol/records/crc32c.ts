// CRC-32C (Castagnoli), the checksum of magic-v2 record batches.
// Speed: @node-rs/crc32 (prebuilt napi-rs, no build step) measured ~7.7 GB/s on 1 MiB, ~4.3 GB/s on 1 KiB
// on the 2-vCPU CI machine (`npx tsx bench/records.ts`; measured.md §6 lists 3.7 / 1.7 GB/s).
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/**
 * CRC-32C of `buf`, as an unsigned 32-bit number. `initial` continues a previous result, so
 * `crc32c(b, crc32c(a)) === crc32c(concat(a, b))`.
 */
export function crc32c(buf: Uint8Array, initial = 0): number {
  return nativeCrc32c(buf, initial);
}
