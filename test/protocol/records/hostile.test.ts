// Hostile input: truncation at every cut, corrupt CRCs, random bytes and mutated batches. Whatever
// happens, protocol/records may only throw RecordsError.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BATCH_HEADER_SIZE,
  type CompressionType,
  RecordsError,
  buildBatch,
  buildControlBatch,
  compress,
  decodeRecords,
  parseEndTxnMarker,
  readBatchHeader,
  readRecords,
  splitBatches,
  splitFetchedBatches,
  verifyBatchCrc,
  writeBatchCrc,
} from '../../../protocol/records/index.js';
import { ALL_CODECS, jsonLikeValue, onlyRecordsErrors } from './arbitraries.js';

const LIMIT = { maxOutputBytes: 1 << 20 };

function sample(compression: CompressionType, n = 6): Buffer {
  return buildBatch({
    baseOffset: 1000n,
    compression,
    timestamp: 1_700_000_000_000n,
    records: Array.from({ length: n }, (_, i) => ({
      key: i % 2 === 0 ? null : Buffer.from(`key-${i}`),
      value: i === 3 ? null : jsonLikeValue(i),
      headers: i % 3 === 0 ? [{ key: 'trace', value: Buffer.from('abc') }, { key: 'nil', value: null }] : [],
      timestamp: 1_700_000_000_000n + BigInt(i * 13),
    })),
  });
}

/** Everything a broker might do with untrusted bytes. */
function exercise(bytes: Buffer): void {
  for (const split of [splitBatches, splitFetchedBatches]) {
    onlyRecordsErrors(() => {
      const { batches } = split(bytes);
      for (const b of batches) {
        verifyBatchCrc(b);
        onlyRecordsErrors(() => readRecords(b, { ...LIMIT, verifyCrc: true }), 'verified read');
        onlyRecordsErrors(() => {
          const h = readBatchHeader(b);
          const records = readRecords(b, LIMIT, h);
          if (h.isControl) for (const r of records) onlyRecordsErrors(() => parseEndTxnMarker(r), 'control');
        }, 'unverified read');
      }
    }, 'split');
  }
  onlyRecordsErrors(() => readRecords(bytes, LIMIT), 'direct read');
  onlyRecordsErrors(() => decodeRecords(bytes, LIMIT), 'direct decode');
}

describe('hostile input', () => {
  it('truncation at every cut: strict split → TRUNCATED, fetch split → partial tail, direct read → RecordsError', () => {
    for (const compression of ALL_CODECS) {
      const batch = sample(compression);
      for (let cut = 1; cut < batch.length; cut++) {
        const part = batch.subarray(0, cut);
        assert.throws(() => splitBatches(part), (e: unknown) => e instanceof RecordsError && e.code === 'TRUNCATED', `${compression} cut ${cut}`);
        assert.deepEqual(splitFetchedBatches(part), { batches: [], trailingBytes: cut });
        const e = onlyRecordsErrors(() => readRecords(part), `${compression} cut ${cut}`);
        assert.ok(e, `${compression} cut ${cut}: reading a truncated batch must fail`);
      }
    }
  });

  it('a payload cut short inside consistent framing (length and CRC fixed up) fails with a typed error', () => {
    for (const compression of ALL_CODECS) {
      const batch = sample(compression, 20);
      for (let cut = BATCH_HEADER_SIZE; cut < batch.length; cut++) {
        const b = Buffer.from(batch.subarray(0, cut));
        b.writeInt32BE(cut - 12, 8);
        writeBatchCrc(b);
        assert.ok(verifyBatchCrc(b));
        const e = onlyRecordsErrors(() => readRecords(b, { verifyCrc: true }), `${compression} cut ${cut}`);
        assert.ok(e, `${compression} cut ${cut}: decoding must fail`);
        assert.ok(['INVALID_RECORD', 'CORRUPT_COMPRESSED'].includes(e.code), `${compression} cut ${cut}: ${e.code}`);
      }
    }
  });

  it('any single-byte corruption inside the CRC range is detected; outside it is not covered', () => {
    for (const compression of ALL_CODECS) {
      const batch = sample(compression);
      for (let i = 0; i < batch.length; i++) {
        const b = Buffer.from(batch);
        b[i] ^= 0x5a;
        if (i === 8 || i === 9 || i === 10 || i === 11) continue; // batchLength: framing, checked by split
        if (i >= 21 || (i >= 17 && i < 21)) {
          assert.equal(verifyBatchCrc(b), false, `${compression} byte ${i}`);
          assert.throws(
            () => readRecords(b, { verifyCrc: true }),
            (e: unknown) => e instanceof RecordsError && ['CRC_MISMATCH', 'UNKNOWN_COMPRESSION'].includes(e.code),
            `${compression} byte ${i}`,
          );
        } else if (i !== 16) {
          assert.equal(verifyBatchCrc(b), true, `${compression} byte ${i} (baseOffset / leader epoch)`);
        }
      }
    }
  });

  it('random bytes, alone and behind a valid-looking header, only raise RecordsError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => exercise(Buffer.from(bytes))),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL_CODECS),
        fc.integer({ min: -3, max: 40 }),
        fc.integer({ min: 0, max: 0x7f }),
        fc.uint8Array({ maxLength: 300 }),
        (compression, count, attrHigh, body) => {
          const header = Buffer.from(buildBatch({ timestamp: 1n, records: [], compression: 'none' }));
          header.writeInt16BE((attrHigh << 3) | ['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(compression), 21);
          header.writeInt32BE(count, 57);
          const b = Buffer.concat([header, body]);
          b.writeInt32BE(b.length - 12, 8);
          writeBatchCrc(b);
          exercise(b);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('random record bodies inside valid compressed payloads only raise RecordsError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_CODECS), fc.integer({ min: -1, max: 30 }), fc.uint8Array({ maxLength: 300 }), (compression, count, body) => {
        const payload = compress(compression, Buffer.from(body));
        const b = Buffer.concat([Buffer.from(buildBatch({ timestamp: 1n, records: [], compression })), payload]);
        b.writeInt32BE(b.length - 12, 8);
        b.writeInt32BE(count, 57);
        writeBatchCrc(b);
        exercise(b);
      }),
      { numRuns: 800 },
    );
  });

  it('mutated batches (every codec, control batches, CRC fixed up or not) only raise RecordsError', () => {
    const seeds: Buffer[] = [
      ...ALL_CODECS.map((c) => sample(c)),
      ...ALL_CODECS.map((c) => sample(c, 40)),
      buildControlBatch({ commit: true, coordinatorEpoch: 3, producerId: 7n, producerEpoch: 1, timestamp: 5n }),
    ];
    const all = Buffer.concat(seeds);
    const seed = fc.oneof(fc.constantFrom(...seeds), fc.constant(all));
    const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(seed, mutation, fc.boolean(), (original, edits, fixCrc) => {
        const b = Buffer.from(original);
        for (const [at, xor] of edits) b[at % b.length] ^= xor;
        if (fixCrc && b.length === original.length && original !== all) onlyRecordsErrors(() => writeBatchCrc(b), 'fix crc');
        exercise(b);
      }),
      { numRuns: 2500 },
    );
  });

  it('a decompression bomb inside a batch is refused with DECOMPRESSED_TOO_LARGE (MESSAGE_TOO_LARGE)', () => {
    for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const big = buildBatch({ timestamp: 1n, compression, records: [{ key: null, value: Buffer.alloc(4 << 20) }] });
      assert.ok(big.length < 1 << 20, `${compression}: ${big.length}`);
      assert.throws(
        () => readRecords(big, { maxOutputBytes: 1 << 20 }),
        (e: unknown) => e instanceof RecordsError && e.code === 'DECOMPRESSED_TOO_LARGE' && e.kafkaError === 'MESSAGE_TOO_LARGE',
        compression,
      );
      assert.equal(readRecords(big)[0].value?.length, 4 << 20);
    }
  });
});
