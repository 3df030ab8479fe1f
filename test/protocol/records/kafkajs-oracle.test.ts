// An independent oracle: kafkajs's own record-batch encoder and decoder (its internal
// protocol/recordBatch modules) against ours, in both directions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { compressSync as snappyCompressRaw, uncompressSync as snappyUncompress } from 'snappy';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { compress as zstdCompressLib, decompress as zstdDecompressLib } from 'zstd-napi';
import {
  type CompressionType,
  buildBatch,
  readBatchHeader,
  readRecords,
  splitBatches,
  verifyBatchCrc,
} from '../../../protocol/records/index.js';
import { bytesOrNull } from './arbitraries.js';

// ---- kafkajs internals, typed to what this test uses ----
interface KafkajsEncoder {
  buffer: Buffer;
}
interface KafkajsRecordInput {
  offsetDelta: number;
  timestampDelta: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
}
interface KafkajsBatchInput {
  compression: number;
  firstOffset: unknown;
  firstTimestamp: bigint;
  maxTimestamp: bigint;
  partitionLeaderEpoch: number;
  lastOffsetDelta: number;
  transactional: boolean;
  producerId: unknown;
  producerEpoch: number;
  firstSequence: number;
  records: KafkajsEncoder[];
}
interface KafkajsDecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | (Buffer | null)[]>;
  isControlRecord: boolean;
}
interface KafkajsDecodedBatch {
  firstOffset: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  maxTimestamp: string;
  timestampType: number;
  records: KafkajsDecodedRecord[];
}
interface KafkajsCodec {
  compress(encoder: KafkajsEncoder): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const require = createRequire(import.meta.url);
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (input: KafkajsBatchInput) => Promise<KafkajsEncoder>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: KafkajsRecordInput) => KafkajsEncoder;
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (d: unknown) => Promise<KafkajsDecodedBatch>;
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;
const Long = require('kafkajs/src/utils/long') as { fromValue(v: bigint): unknown };
const { Codecs, Types } = require('kafkajs/src/protocol/message/compression') as {
  Codecs: Record<number, () => KafkajsCodec>;
  Types: Record<string, number>;
};

// kafkajs ships gzip only. Register the other codecs the way its plug-ins do (kafkajs-snappy sends raw
// snappy and reads xerial by sniffing the magic), using the libraries directly — not our modules.
function xerialAwareSnappy(buf: Buffer): Buffer {
  if (buf.length < 16 || buf.readUInt32BE(0) !== 0x82534e41) return snappyUncompress(buf) as Buffer;
  const out: Buffer[] = [];
  for (let pos = 16; pos + 4 <= buf.length; ) {
    const len = buf.readUInt32BE(pos);
    out.push(snappyUncompress(buf.subarray(pos + 4, pos + 4 + len)) as Buffer);
    pos += 4 + len;
  }
  return Buffer.concat(out);
}
Codecs[Types.Snappy] = () => ({
  compress: async (e) => snappyCompressRaw(e.buffer),
  decompress: async (b) => xerialAwareSnappy(b),
});
Codecs[Types.LZ4] = () => ({
  compress: async (e) => compressFrameSync(e.buffer),
  decompress: async (b) => decompressFrameSync(b),
});
Codecs[Types.ZSTD] = () => ({
  compress: async (e) => zstdCompressLib(e.buffer),
  decompress: async (b) => zstdDecompressLib(b),
});

const CODE: Record<CompressionType, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

interface OracleRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
  timestamp: bigint;
}
interface OracleBatch {
  baseOffset: bigint;
  partitionLeaderEpoch: number;
  transactional: boolean;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  records: OracleRecord[];
}

// kafkajs cannot encode a null header value (it takes Buffer.byteLength(null)), so values are Buffers;
// its decoder folds headers into a plain object, so keys like "toString" or "__proto__" are avoided.
const headerKey = fc.string({ unit: 'grapheme-ascii', maxLength: 8 }).filter((k) => !(k in Object.prototype));
const oracleRecord: fc.Arbitrary<OracleRecord> = fc.record({
  key: bytesOrNull,
  value: bytesOrNull,
  headers: fc.dictionary(headerKey, fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)), {
    maxKeys: 3,
  }),
  timestamp: fc.oneof(fc.bigInt({ min: 1_600_000_000_000n, max: 1_800_000_000_000n }), fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n })),
});
const oracleBatch: fc.Arbitrary<OracleBatch> = fc.record({
  baseOffset: fc.bigInt({ min: 0n, max: 2n ** 62n }),
  partitionLeaderEpoch: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  transactional: fc.boolean(),
  producerId: fc.oneof(fc.constant(-1n), fc.bigInt({ min: 0n, max: 2n ** 62n })),
  producerEpoch: fc.integer({ min: 0, max: 32767 }),
  baseSequence: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  records: fc.array(oracleRecord, { minLength: 1, maxLength: 15 }),
});

const maxOf = (xs: bigint[]): bigint => xs.reduce((m, x) => (x > m ? x : m));

async function kafkajsEncode(b: OracleBatch, compression: CompressionType): Promise<Buffer> {
  const first = b.records[0].timestamp;
  const encoder = await RecordBatch({
    compression: CODE[compression],
    firstOffset: Long.fromValue(b.baseOffset),
    firstTimestamp: first,
    maxTimestamp: maxOf(b.records.map((r) => r.timestamp)),
    partitionLeaderEpoch: b.partitionLeaderEpoch,
    lastOffsetDelta: b.records.length - 1,
    transactional: b.transactional,
    producerId: Long.fromValue(b.producerId),
    producerEpoch: b.producerEpoch,
    firstSequence: b.baseSequence,
    records: b.records.map((r, i) =>
      Record({ offsetDelta: i, timestampDelta: r.timestamp - first, key: r.key, value: r.value, headers: r.headers }),
    ),
  });
  return encoder.buffer;
}

function ourBuild(b: OracleBatch, compression: CompressionType): Buffer {
  return buildBatch({
    baseOffset: b.baseOffset,
    partitionLeaderEpoch: b.partitionLeaderEpoch,
    isTransactional: b.transactional,
    producerId: b.producerId,
    producerEpoch: b.producerEpoch,
    baseSequence: b.baseSequence,
    compression,
    records: b.records.map((r) => ({
      key: r.key,
      value: r.value,
      timestamp: r.timestamp,
      headers: Object.keys(r.headers).map((k) => ({ key: k, value: r.headers[k] })),
    })),
  });
}

describe('kafkajs oracle', () => {
  it('we decode what kafkajs encodes (every codec)', async () => {
    for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as CompressionType[]) {
      await fc.assert(
        fc.asyncProperty(oracleBatch, async (b) => {
          const bytes = await kafkajsEncode(b, compression);
          const { batches } = splitBatches(bytes);
          assert.equal(batches.length, 1);
          assert.ok(verifyBatchCrc(batches[0]), 'kafkajs CRC verifies');
          const h = readBatchHeader(batches[0]);
          assert.equal(h.compression, compression);
          assert.equal(h.baseOffset, b.baseOffset);
          assert.equal(h.partitionLeaderEpoch, b.partitionLeaderEpoch);
          assert.equal(h.isTransactional, b.transactional);
          assert.equal(h.producerId, b.producerId);
          assert.equal(h.producerEpoch, b.producerEpoch);
          assert.equal(h.baseSequence, b.baseSequence);
          assert.equal(h.recordCount, b.records.length);
          const records = readRecords(batches[0], { verifyCrc: true });
          records.forEach((r, i) => {
            const want = b.records[i];
            assert.equal(r.offset, b.baseOffset + BigInt(i));
            assert.equal(r.timestamp, want.timestamp);
            assert.deepEqual(r.key, want.key);
            assert.deepEqual(r.value, want.value);
            assert.deepEqual(
              r.headers,
              Object.keys(want.headers).map((k) => ({ key: k, value: want.headers[k] })),
            );
          });
        }),
        { numRuns: 40 },
      );
    }
  });

  it('our uncompressed and gzip batches are byte-identical to kafkajs for the same input', async () => {
    await fc.assert(
      fc.asyncProperty(oracleBatch, fc.constantFrom<CompressionType>('none', 'gzip'), async (b, compression) => {
        assert.deepEqual(ourBuild(b, compression), await kafkajsEncode(b, compression));
      }),
      { numRuns: 60 },
    );
  });

  it('kafkajs decodes what we encode (every codec, incl. null header values and xerial snappy)', async () => {
    const withNullHeader = fc.record({ batch: oracleBatch, nullHeaderKey: fc.option(headerKey, { nil: undefined }) });
    for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as CompressionType[]) {
      await fc.assert(
        fc.asyncProperty(withNullHeader, async ({ batch: b, nullHeaderKey }) => {
          const bytes = buildBatch({
            baseOffset: b.baseOffset,
            partitionLeaderEpoch: b.partitionLeaderEpoch,
            isTransactional: b.transactional,
            producerId: b.producerId,
            producerEpoch: b.producerEpoch,
            baseSequence: b.baseSequence,
            compression,
            records: b.records.map((r) => ({
              key: r.key,
              value: r.value,
              timestamp: r.timestamp,
              headers: [
                ...Object.keys(r.headers).map((k) => ({ key: k, value: r.headers[k] as Buffer | null })),
                ...(nullHeaderKey === undefined ? [] : [{ key: `null-header:${nullHeaderKey}`, value: null }]),
              ],
            })),
          });
          const d = await decodeRecordBatch(new Decoder(bytes));
          assert.equal(d.firstOffset, String(b.baseOffset));
          assert.equal(d.partitionLeaderEpoch, b.partitionLeaderEpoch);
          assert.equal(d.inTransaction, b.transactional);
          assert.equal(d.isControlBatch, false);
          assert.equal(d.lastOffsetDelta, b.records.length - 1);
          assert.equal(d.producerId, String(b.producerId));
          assert.equal(d.producerEpoch, b.producerEpoch);
          assert.equal(d.firstSequence, b.baseSequence);
          assert.equal(d.maxTimestamp, String(maxOf(b.records.map((r) => r.timestamp))));
          assert.equal(d.records.length, b.records.length);
          d.records.forEach((r, i) => {
            const want = b.records[i];
            assert.equal(r.offset, String(b.baseOffset + BigInt(i)));
            assert.equal(r.timestamp, String(want.timestamp));
            assert.deepEqual(r.key, want.key);
            assert.deepEqual(r.value, want.value);
            const headers: Record<string, Buffer | null> = { ...want.headers };
            if (nullHeaderKey !== undefined) headers[`null-header:${nullHeaderKey}`] = null;
            assert.deepEqual({ ...r.headers }, headers);
          });
        }),
        { numRuns: 30 },
      );
    }
  });
});
