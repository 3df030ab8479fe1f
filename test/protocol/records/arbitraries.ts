// Shared fast-check arbitraries and helpers for the record-batch tests.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { BuildBatchOptions, BuildRecord } from '../../../protocol/records/builder.js';
import type { CompressionType } from '../../../protocol/records/compression/index.js';
import { RecordsError } from '../../../protocol/records/errors.js';
import type { RecordHeader } from '../../../protocol/records/records.js';

export const ALL_CODECS: CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export const bytesOrNull: fc.Arbitrary<Buffer | null> = fc.option(
  fc.oneof(
    fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    fc.string({ maxLength: 200 }).map((s) => Buffer.from(s.repeat(3))),
  ),
  { nil: null, freq: 4 },
);

export const header: fc.Arbitrary<RecordHeader> = fc.record({
  key: fc.string({ unit: 'grapheme', maxLength: 12 }),
  value: bytesOrNull,
});

/** Timestamps: realistic, small, negative, and big (beyond 2^53, within ±2^62 so deltas fit int64). */
export const timestamp: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 1_600_000_000_000n, max: 1_800_000_000_000n }),
  fc.bigInt({ min: -1n, max: 1000n }),
  fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
);

export const record: fc.Arbitrary<BuildRecord> = fc.record(
  {
    key: bytesOrNull,
    value: bytesOrNull,
    headers: fc.array(header, { maxLength: 4 }),
    timestamp,
  },
  { requiredKeys: ['key', 'value'] },
);

export const batchOptions: fc.Arbitrary<BuildBatchOptions & Required<Pick<BuildBatchOptions, 'baseOffset' | 'timestamp'>>> = fc.record({
  baseOffset: fc.bigInt({ min: 0n, max: 2n ** 62n }),
  partitionLeaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
  records: fc.array(record, { maxLength: 25 }),
  compression: fc.constantFrom(...ALL_CODECS),
  producerId: fc.oneof(fc.constant(-1n), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n })),
  producerEpoch: fc.integer({ min: -1, max: 32767 }),
  baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
  isTransactional: fc.boolean(),
  timestampType: fc.constantFrom('create' as const, 'log_append' as const),
  timestamp,
});

/** Runs `fn`; any exception must be a RecordsError (never RangeError, TypeError or a codec's own). */
export function onlyRecordsErrors(fn: () => unknown, context = ''): RecordsError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!(e instanceof RecordsError)) {
      assert.fail(`${context}: expected RecordsError, got ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
    }
    return e;
  }
}

export function jsonLikeValue(i: number): Buffer {
  return Buffer.from(
    JSON.stringify({ id: i, user: `user-${i % 977}`, event: ['click', 'view', 'buy'][i % 3], ts: 1700000000000 + i * 17 }),
  );
}
