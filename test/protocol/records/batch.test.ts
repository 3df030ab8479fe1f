import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BATCH_HEADER_OFFSETS,
  BATCH_HEADER_SIZE,
  ControlRecordType,
  RecordsError,
  buildBatch,
  buildControlBatch,
  compress,
  crc32c,
  decodeRecords,
  parseControlRecordKey,
  parseEndTxnMarker,
  readBatchHeader,
  readRecords,
  setBaseOffset,
  setMaxTimestampAndLogAppendTime,
  setPartitionLeaderEpoch,
  splitBatches,
  splitFetchedBatches,
  verifyBatchCrc,
  writeBatchCrc,
} from '../../../protocol/records/index.js';
import { ALL_CODECS, batchOptions, jsonLikeValue } from './arbitraries.js';

function isCode(code: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof RecordsError, `expected RecordsError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

describe('record batch v2', () => {
  it('header layout matches KIP-98 offsets', () => {
    assert.deepEqual(BATCH_HEADER_OFFSETS, {
      baseOffset: 0,
      batchLength: 8,
      partitionLeaderEpoch: 12,
      magic: 16,
      crc: 17,
      attributes: 21,
      lastOffsetDelta: 23,
      baseTimestamp: 27,
      maxTimestamp: 35,
      producerId: 43,
      producerEpoch: 51,
      baseSequence: 53,
      recordCount: 57,
    });
    assert.equal(BATCH_HEADER_SIZE, 61);
    const b = buildBatch({
      baseOffset: 0x0102030405060708n,
      partitionLeaderEpoch: 0x11121314,
      producerId: 0x2122232425262728n,
      producerEpoch: 0x3132,
      baseSequence: 0x41424344,
      isTransactional: true,
      compression: 'lz4',
      timestamp: 0x5152535455565758n,
      records: [{ key: null, value: Buffer.from('v') }, { key: null, value: null }],
    });
    const hex = (o: number, n: number) => b.subarray(o, o + n).toString('hex');
    assert.equal(hex(0, 8), '0102030405060708');
    assert.equal(b.readInt32BE(8), b.length - 12);
    assert.equal(hex(12, 4), '11121314');
    assert.equal(b[16], 2);
    assert.equal(b.readUInt32BE(17), crc32c(b.subarray(21)));
    assert.equal(b.readInt16BE(21), 0x10 | 3);
    assert.equal(b.readInt32BE(23), 1);
    assert.equal(hex(27, 8), '5152535455565758');
    assert.equal(hex(35, 8), '5152535455565758');
    assert.equal(hex(43, 8), '2122232425262728');
    assert.equal(hex(51, 2), '3132');
    assert.equal(hex(53, 4), '41424344');
    assert.equal(b.readInt32BE(57), 2);
  });

  it('build → split → header → decode is the identity, for every codec', () => {
    fc.assert(
      fc.property(batchOptions, batchOptions, (a, b) => {
        const batchA = buildBatch(a);
        const batchB = buildBatch(b);
        const { batches, trailingBytes } = splitBatches(Buffer.concat([batchA, batchB]));
        assert.equal(trailingBytes, 0);
        assert.equal(batches.length, 2);
        for (const [opts, batch] of [
          [a, batches[0]],
          [b, batches[1]],
        ] as const) {
          assert.ok(verifyBatchCrc(batch));
          const h = readBatchHeader(batch, 0);
          const n = opts.records.length;
          assert.equal(h.baseOffset, opts.baseOffset);
          assert.equal(h.batchLength, batch.length - 12);
          assert.equal(h.partitionLeaderEpoch, opts.partitionLeaderEpoch);
          assert.equal(h.magic, 2);
          assert.equal(h.compression, opts.compression);
          assert.equal(h.timestampType, opts.timestampType);
          assert.equal(h.isTransactional, opts.isTransactional);
          assert.equal(h.isControl, false);
          assert.equal(h.hasDeleteHorizon, false);
          assert.equal(h.lastOffsetDelta, Math.max(0, n - 1));
          assert.equal(h.recordCount, n);
          assert.equal(h.producerId, opts.producerId);
          assert.equal(h.producerEpoch, opts.producerEpoch);
          assert.equal(h.baseSequence, opts.baseSequence);
          const stamps = opts.records.map((r) => r.timestamp ?? opts.timestamp);
          assert.equal(h.baseTimestamp, n === 0 ? opts.timestamp : stamps[0]);
          assert.equal(h.maxTimestamp, stamps.reduce((m, t) => (t > m ? t : m), n === 0 ? opts.timestamp : stamps[0]));
          const records = readRecords(batch, { verifyCrc: true });
          assert.equal(records.length, n);
          records.forEach((r, i) => {
            const want = opts.records[i];
            assert.equal(r.offsetDelta, i);
            assert.equal(r.offset, opts.baseOffset + BigInt(i));
            assert.equal(r.timestampDelta, stamps[i] - h.baseTimestamp);
            assert.equal(r.timestamp, opts.timestampType === 'log_append' ? h.maxTimestamp : stamps[i]);
            assert.deepEqual(r.key, want.key);
            assert.deepEqual(r.value, want.value);
            assert.deepEqual(r.headers, (want.headers ?? []).map((x) => ({ key: x.key, value: x.value })));
            assert.equal(r.attributes, 0);
          });
        }
      }),
      { numRuns: 150 },
    );
  });

  it('decodes uncompressed records as views into the batch (no copies)', () => {
    const batch = buildBatch({ timestamp: 1n, records: [{ key: Buffer.from('k'), value: Buffer.from('value'), headers: [{ key: 'h', value: Buffer.from('hv') }] }] });
    const [r] = decodeRecords(batch);
    assert.equal(r.value?.buffer, batch.buffer);
    assert.equal(r.key?.buffer, batch.buffer);
    assert.equal(r.headers[0].value?.buffer, batch.buffer);
  });

  it('patching base offset and leader epoch keeps the CRC valid (both are outside it)', () => {
    fc.assert(
      fc.property(batchOptions, fc.bigInt({ min: 0n, max: 2n ** 62n }), fc.integer({ min: -1, max: 2 ** 31 - 1 }), (opts, offset, epoch) => {
        const batch = buildBatch(opts);
        const crc = batch.readUInt32BE(17);
        setBaseOffset(batch, offset);
        setPartitionLeaderEpoch(batch, epoch);
        assert.equal(batch.readUInt32BE(17), crc);
        assert.ok(verifyBatchCrc(batch));
        const h = readBatchHeader(batch);
        assert.equal(h.baseOffset, offset);
        assert.equal(h.partitionLeaderEpoch, epoch);
        readRecords(batch, { verifyCrc: true }).forEach((r, i) => assert.equal(r.offset, offset + BigInt(i)));
      }),
      { numRuns: 60 },
    );
  });

  it('setMaxTimestampAndLogAppendTime stamps LogAppendTime and recomputes the CRC', () => {
    for (const compression of ALL_CODECS) {
      const batch = buildBatch({
        compression,
        records: [0, 1, 2].map((i) => ({ key: null, value: jsonLikeValue(i), timestamp: 1000n + BigInt(i) })),
      });
      const recordsBefore = Buffer.from(batch.subarray(BATCH_HEADER_SIZE));
      setMaxTimestampAndLogAppendTime(batch, 1_700_000_000_123n);
      assert.ok(verifyBatchCrc(batch), compression);
      const h = readBatchHeader(batch);
      assert.equal(h.timestampType, 'log_append');
      assert.equal(h.maxTimestamp, 1_700_000_000_123n);
      assert.equal(h.baseTimestamp, 1000n);
      assert.equal(h.compression, compression);
      assert.deepEqual(batch.subarray(BATCH_HEADER_SIZE), recordsBefore, 'records untouched');
      for (const r of readRecords(batch, { verifyCrc: true })) assert.equal(r.timestamp, 1_700_000_000_123n);
    }
  });

  it('control batches: transaction markers encode and decode', () => {
    for (const commit of [true, false]) {
      const batch = buildControlBatch({ commit, coordinatorEpoch: 7, producerId: 4242n, producerEpoch: 3, baseOffset: 99n, timestamp: 1_700_000_000_000n });
      assert.ok(verifyBatchCrc(batch));
      const h = readBatchHeader(batch);
      assert.equal(h.isControl, true);
      assert.equal(h.isTransactional, true);
      assert.equal(h.compression, 'none');
      assert.equal(h.producerId, 4242n);
      assert.equal(h.producerEpoch, 3);
      assert.equal(h.baseSequence, -1);
      assert.equal(h.recordCount, 1);
      const [r] = readRecords(batch, { verifyCrc: true });
      assert.equal(r.offset, 99n);
      assert.equal(r.timestamp, 1_700_000_000_000n);
      assert.deepEqual(r.key, Buffer.from([0, 0, 0, commit ? 1 : 0]));
      assert.deepEqual(r.value, Buffer.from([0, 0, 0, 0, 0, 7]));
      assert.deepEqual(parseControlRecordKey(r.key), { version: 0, type: commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT });
      assert.deepEqual(parseEndTxnMarker(r), { commit, version: 0, coordinatorEpoch: 7 });
    }
    assert.throws(() => parseEndTxnMarker({ key: Buffer.from([0, 0, 0, 2]), value: Buffer.alloc(6) }), isCode('INVALID_CONTROL_RECORD'));
    assert.throws(() => parseEndTxnMarker({ key: Buffer.from([0, 0, 0]), value: Buffer.alloc(6) }), isCode('INVALID_CONTROL_RECORD'));
    assert.throws(() => parseEndTxnMarker({ key: Buffer.from([0, 0, 0, 1]), value: Buffer.alloc(5) }), isCode('INVALID_CONTROL_RECORD'));
    assert.throws(() => parseControlRecordKey(null), isCode('INVALID_CONTROL_RECORD'));
    // a newer key/value version with extra bytes is still readable, as in Kafka
    assert.deepEqual(parseEndTxnMarker({ key: Buffer.from([0, 1, 0, 1, 9]), value: Buffer.from([0, 1, 0, 0, 0, 5, 1, 2]) }), {
      commit: true,
      version: 1,
      coordinatorEpoch: 5,
    });
  });

  it('builder: explicit offset deltas, empty batches and argument checks', () => {
    const sparse = buildBatch({ baseOffset: 10n, timestamp: 5n, records: [{ key: null, value: null, offsetDelta: 0 }, { key: null, value: null, offsetDelta: 4 }] });
    assert.equal(readBatchHeader(sparse).lastOffsetDelta, 4);
    assert.deepEqual(readRecords(sparse).map((r) => r.offset), [10n, 14n]);
    const empty = buildBatch({ records: [], lastOffsetDelta: 3, timestamp: -1n });
    const h = readBatchHeader(empty);
    assert.equal(h.recordCount, 0);
    assert.equal(h.lastOffsetDelta, 3);
    assert.equal(h.baseTimestamp, -1n);
    assert.equal(empty.length, BATCH_HEADER_SIZE);
    assert.deepEqual(readRecords(empty), []);
    assert.throws(() => buildBatch({ records: [{ key: null, value: null, offsetDelta: 1 }, { key: null, value: null, offsetDelta: 1 }] }), isCode('INVALID_ARGUMENT'));
    assert.throws(() => buildBatch({ records: [], producerEpoch: 40000 }), isCode('INVALID_ARGUMENT'));
    assert.throws(() => buildBatch({ records: [], baseOffset: 2n ** 63n }), isCode('INVALID_ARGUMENT'));
  });

  describe('splitBatches', () => {
    const one = buildBatch({ timestamp: 1n, records: [{ key: null, value: Buffer.from('a') }] });
    const two = buildBatch({ timestamp: 2n, compression: 'gzip', records: [{ key: Buffer.from('k'), value: Buffer.from('b') }] });

    it('returns views, not copies', () => {
      const all = Buffer.concat([one, two, one]);
      const { batches } = splitBatches(all);
      assert.equal(batches.length, 3);
      for (const b of batches) assert.equal(b.buffer, all.buffer);
      assert.deepEqual(batches[1], two);
      assert.deepEqual(splitBatches(Buffer.alloc(0)), { batches: [], trailingBytes: 0 });
    });

    it('recognises legacy magic 0/1 and reports the magic', () => {
      for (const magic of [0, 1]) {
        // offset int64, size int32, crc int32, magic, attributes, [timestamp], key -1, value -1
        const legacy = Buffer.alloc(12 + (magic === 0 ? 14 : 22));
        legacy.writeInt32BE(legacy.length - 12, 8);
        legacy[16] = magic;
        legacy.writeInt32BE(-1, legacy.length - 8);
        legacy.writeInt32BE(-1, legacy.length - 4);
        for (const input of [legacy, Buffer.concat([one, legacy])]) {
          assert.throws(
            () => splitBatches(input),
            (e: unknown) => e instanceof RecordsError && e.code === 'LEGACY_MAGIC' && e.magic === magic && e.kafkaError === 'INVALID_RECORD',
          );
        }
        assert.throws(() => readBatchHeader(legacy), isCode('LEGACY_MAGIC'));
      }
      const future = Buffer.from(one);
      future[16] = 3;
      assert.throws(() => splitBatches(future), (e: unknown) => e instanceof RecordsError && e.code === 'UNKNOWN_MAGIC' && e.magic === 3);
    });

    it('rejects negative, too-small and over-limit batch lengths', () => {
      for (const len of [-1, -2147483648, 0, 48]) {
        const b = Buffer.from(one);
        b.writeInt32BE(len, 8);
        assert.throws(() => splitBatches(b), isCode('INVALID_BATCH_LENGTH'), `length ${len}`);
        assert.throws(() => splitFetchedBatches(b), isCode('INVALID_BATCH_LENGTH'), `length ${len}`);
      }
      assert.throws(() => splitBatches(one, { maxBatchLength: one.length - 13 }), isCode('INVALID_BATCH_LENGTH'));
      assert.equal(splitBatches(one, { maxBatchLength: one.length - 12 }).batches.length, 1);
    });

    it('strict mode rejects a partial batch; fetch mode skips a partial last batch', () => {
      const all = Buffer.concat([one, two]);
      for (let cut = one.length + 1; cut < all.length; cut++) {
        assert.throws(() => splitBatches(all.subarray(0, cut)), isCode('TRUNCATED'), `cut ${cut}`);
        const r = splitFetchedBatches(all.subarray(0, cut));
        assert.equal(r.batches.length, 1);
        assert.deepEqual(r.batches[0], one);
        assert.equal(r.trailingBytes, cut - one.length);
      }
    });
  });

  it('readBatchHeader: unknown codec, truncated header', () => {
    const b = buildBatch({ timestamp: 1n, records: [] });
    b.writeInt16BE(5, 21);
    writeBatchCrc(b);
    assert.throws(() => readBatchHeader(b), (e: unknown) => e instanceof RecordsError && e.code === 'UNKNOWN_COMPRESSION' && e.kafkaError === 'UNSUPPORTED_COMPRESSION_TYPE');
    assert.throws(() => readBatchHeader(b.subarray(0, 60)), isCode('TRUNCATED'));
    assert.throws(() => readBatchHeader(b, 45), isCode('TRUNCATED'));
  });

  it('record-level malformations are INVALID_RECORD (count too high/low, trailing bytes, bad lengths)', () => {
    const good = buildBatch({ timestamp: 1n, records: [0, 1, 2].map((i) => ({ key: null, value: jsonLikeValue(i) })) });
    const withCount = (n: number) => {
      const b = Buffer.from(good);
      b.writeInt32BE(n, 57);
      writeBatchCrc(b);
      return b;
    };
    assert.throws(() => readRecords(withCount(4)), isCode('INVALID_RECORD'));
    assert.throws(() => readRecords(withCount(2)), isCode('INVALID_RECORD'));
    assert.throws(() => readRecords(withCount(-1)), isCode('INVALID_RECORD'));
    assert.throws(() => readRecords(withCount(2 ** 31 - 1)), isCode('INVALID_RECORD'));
    // first record's length varint says one byte more than its fields
    const longer = Buffer.from(good);
    longer[61] += 2; // zig-zag +1
    writeBatchCrc(longer);
    assert.throws(() => readRecords(longer), isCode('INVALID_RECORD'));
    // compressed payload that inflates to records with trailing garbage
    const gz = buildBatch({ timestamp: 1n, compression: 'zstd', records: [{ key: null, value: Buffer.from('x') }] });
    const h = readBatchHeader(gz);
    const plain = Buffer.concat([good.subarray(61, good.length), Buffer.from([0])]);
    const payload = compress('zstd', plain);
    const forged = Buffer.concat([gz.subarray(0, 61), payload]);
    forged.writeInt32BE(forged.length - 12, 8);
    forged.writeInt32BE(3, 57);
    writeBatchCrc(forged);
    assert.equal(h.compression, 'zstd');
    assert.throws(() => readRecords(forged), isCode('INVALID_RECORD'));
  });

  it('verifyCrc option and CRC mismatch error', () => {
    const b = buildBatch({ timestamp: 1n, records: [{ key: null, value: Buffer.from('abc') }] });
    b[b.length - 2] ^= 1; // inside the value
    assert.equal(verifyBatchCrc(b), false);
    assert.throws(() => readRecords(b, { verifyCrc: true }), (e: unknown) => e instanceof RecordsError && e.code === 'CRC_MISMATCH' && e.kafkaError === 'CORRUPT_MESSAGE');
    assert.equal(readRecords(b).length, 1);
  });
});
