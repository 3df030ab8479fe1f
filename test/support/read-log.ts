/**
 * Reads a whole partition over the wire with Fetch v12, following offsets until the end: the
 * oracle of the integration tests (what a consumer would see).
 */
import assert from 'node:assert/strict';
import type { WireClient } from '../../src/client/wire-client.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { readRecords, splitBatches } from '../../protocol/records/index.js';

export interface LogEntry {
  offset: bigint;
  value: string;
}

/** Every record of the partition from offset 0, in order. `explain` adds context to a failed fetch. */
export async function readPartition(c: WireClient, topic: string, partition: number, explain: () => string = () => ''): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  let offset = 0n;
  for (;;) {
    const res = await c.send(ApiKey.Fetch, 12, {
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 16 << 20,
      topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 16 << 20 }] }],
    });
    const p = res.responses[0].partitions[0];
    assert.equal(p.errorCode, ErrorCode.NONE, `fetch of ${topic}[${partition}] at ${offset} failed ${explain()}`);
    if (!p.records || p.records.length === 0) return out;
    for (const b of splitBatches(p.records).batches) {
      for (const r of readRecords(b)) if (r.offset >= offset) out.push({ offset: r.offset, value: r.value?.toString() ?? '' });
    }
    offset = out[out.length - 1].offset + 1n;
  }
}

/** Just the values, in offset order. */
export async function readValues(c: WireClient, topic: string, partition: number): Promise<string[]> {
  return (await readPartition(c, topic, partition)).map((e) => e.value);
}
