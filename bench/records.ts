// Record-batch and codec throughput on 1 MiB of JSON-like records (the records section of a batch,
// i.e. exactly what a producer compresses). Run: npx tsx bench/records.ts
// Method (as /work/shared/design/measured.md): one warm-up run, then 5 timed runs of ~300 ms each;
// prints median [min–max] MB/s of *uncompressed* bytes.
import { crc32c as rawCrc32c } from '@node-rs/crc32';
import { compressSync as snappyRawCompress, uncompressSync as snappyRawUncompress } from 'snappy';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import {
  BATCH_HEADER_SIZE,
  type CompressionType,
  buildBatch,
  compress,
  crc32c,
  decompress,
  readRecords,
  splitBatches,
  verifyBatchCrc,
} from '../protocol/records/index.js';

const MiB = 1024 * 1024;
const RUNS = 5;
const RUN_MS = 300;

function jsonEvent(i: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      id: i,
      type: ['page_view', 'click', 'purchase', 'signup'][i % 4],
      user: { id: `u-${(i * 7919) % 100_000}`, country: ['DE', 'US', 'FR', 'JP', 'BR'][i % 5], premium: i % 7 === 0 },
      ts: 1_700_000_000_000 + i * 37,
      url: `https://shop.example.com/p/${(i * 31) % 5000}?ref=${['mail', 'ad', 'direct'][i % 3]}`,
      amount: ((i * 104729) % 100_000) / 100,
      tags: ['a', 'bb', 'ccc'].slice(0, i % 4),
    }),
  );
}

// ~1 MiB of encoded records.
const records: { key: Buffer; value: Buffer; timestamp: bigint }[] = [];
let approx = 0;
for (let i = 0; approx < MiB; i++) {
  const value = jsonEvent(i);
  records.push({ key: Buffer.from(`u-${i % 1000}`), value, timestamp: 1_700_000_000_000n + BigInt(i) });
  approx += value.length + 16;
}
const plainBatch = buildBatch({ records, timestamp: 1_700_000_000_000n });
const payload = Buffer.from(plainBatch.subarray(BATCH_HEADER_SIZE));

function measure(bytesPerOp: number, op: () => unknown): { median: number; min: number; max: number } {
  const runOnce = (): number => {
    let ops = 0;
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(RUN_MS) * 1_000_000n;
    let now = start;
    while (now < deadline) {
      op();
      ops++;
      now = process.hrtime.bigint();
    }
    const seconds = Number(now - start) / 1e9;
    return (ops * bytesPerOp) / seconds / 1e6;
  };
  runOnce(); // warm-up
  const rates = Array.from({ length: RUNS }, runOnce).sort((a, b) => a - b);
  return { median: rates[Math.floor(RUNS / 2)], min: rates[0], max: rates[RUNS - 1] };
}

const fmt = (r: { median: number; min: number; max: number }): string =>
  `${Math.round(r.median).toLocaleString('en-US')} [${Math.round(r.min).toLocaleString('en-US')}–${Math.round(r.max).toLocaleString('en-US')}]`;

console.log(`node ${process.version}, ${records.length} records, payload ${payload.length} bytes (${(payload.length / MiB).toFixed(2)} MiB)`);
console.log('MB/s of uncompressed bytes, median [min–max] of 5 runs\n');

console.log('CRC-32C');
for (const size of [MiB, 16 * 1024, 1024]) {
  const buf = payload.subarray(0, size);
  console.log(`  crc32c ${String(size).padStart(7)} B: ${fmt(measure(size, () => crc32c(buf)))}  (raw @node-rs/crc32: ${fmt(measure(size, () => rawCrc32c(buf)))})`);
}

console.log('\nCodecs through protocol/records compress/decompress (bounded, Kafka framing)');
const codecs: CompressionType[] = ['gzip', 'snappy', 'lz4', 'zstd'];
for (const codec of codecs) {
  const c = compress(codec, payload);
  const ratio = payload.length / c.length;
  const comp = measure(payload.length, () => compress(codec, payload));
  const dec = measure(payload.length, () => decompress(codec, c));
  console.log(`  ${codec.padEnd(6)} ratio ${ratio.toFixed(2)}  compress ${fmt(comp)}  decompress ${fmt(dec)}`);
}

console.log('\nLibrary baselines (no framing/bounds of ours)');
{
  const s = snappyRawCompress(payload);
  console.log(`  snappy raw one block  compress ${fmt(measure(payload.length, () => snappyRawCompress(payload)))}  decompress ${fmt(measure(payload.length, () => snappyRawUncompress(s)))}`);
  const l = compressFrameSync(payload);
  console.log(`  lz4-napi frame        compress ${fmt(measure(payload.length, () => compressFrameSync(payload)))}  decompress ${fmt(measure(payload.length, () => decompressFrameSync(l)))}`);
  const g1 = compress('gzip', payload, { level: 1 });
  console.log(`  gzip level 1 (ratio ${(payload.length / g1.length).toFixed(2)}) compress ${fmt(measure(payload.length, () => compress('gzip', payload, { level: 1 })))}`);
  const z1 = compress('zstd', payload, { level: 1 });
  console.log(`  zstd level 1 (ratio ${(payload.length / z1.length).toFixed(2)}) compress ${fmt(measure(payload.length, () => compress('zstd', payload, { level: 1 })))}`);
}

console.log('\nBatch paths (1 MiB batch)');
const produceLike = Buffer.concat([plainBatch]);
console.log(`  splitBatches + verifyBatchCrc (produce validation): ${fmt(measure(produceLike.length, () => {
  for (const b of splitBatches(produceLike).batches) if (!verifyBatchCrc(b)) throw new Error('crc');
}))}`);
for (const codec of ['none', ...codecs] as CompressionType[]) {
  const batch = buildBatch({ records, compression: codec, timestamp: 1_700_000_000_000n });
  const build = measure(payload.length, () => buildBatch({ records, compression: codec, timestamp: 1_700_000_000_000n }));
  const read = measure(payload.length, () => readRecords(batch));
  const recPerSec = (read.median * 1e6) / payload.length * records.length;
  console.log(`  ${codec.padEnd(6)} buildBatch ${fmt(build)}  readRecords ${fmt(read)} (≈ ${Math.round(recPerSec).toLocaleString('en-US')} records/s)`);
}
