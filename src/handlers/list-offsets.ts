// ListOffsets: v1–9.
// Version notes:
// * v0 (a list of old-style offsets) is not served. v1 returns one offset and its timestamp;
//   v2 adds IsolationLevel (read_committed = up to the last stable offset, which is the high
//   watermark here since transactions are not supported); v4 CurrentLeaderEpoch and LeaderEpoch;
//   v6 is flexible; v7 adds MAX_TIMESTAMP (-3, KIP-734); v8 EARLIEST_LOCAL (-4, KIP-405: the log
//   start here, nothing is tiered); v9 LATEST_TIERED (-5: no tiered data, so -1).
// * By timestamp: the first offset whose timestamp is >= the one asked, with that timestamp, found
//   through the segments' max timestamps; -1/-1 when there is none (KIP-79).
import type { ListOffsetsRequest, ListOffsetsResponse } from '../../protocol/generated/list-offsets.js';
import type { Input } from '../../protocol/runtime/types.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { ApiHandler, RequestContext } from './context.js';
import type { PartitionLog } from '../log/partition-log.js';

type PartitionResponse = Input<ListOffsetsResponse['topics'][number]['partitions'][number]>;

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;
const LATEST_TIERED = -5n;

async function lookup(ctx: RequestContext, p: PartitionLog, timestamp: bigint): Promise<{ offset: bigint; timestamp: bigint }> {
  switch (timestamp) {
    case LATEST:
      return { offset: p.highWatermark, timestamp: -1n };
    case EARLIEST:
    case EARLIEST_LOCAL:
      return { offset: p.logStartOffset, timestamp: -1n };
    case LATEST_TIERED:
      return { offset: -1n, timestamp: -1n };
    case MAX_TIMESTAMP:
      return (await ctx.logs.reader.maxTimestampOffset(p)) ?? { offset: -1n, timestamp: -1n };
    default:
      if (timestamp < 0n) throw new RangeError(`unknown special timestamp ${timestamp}`);
      return (await ctx.logs.reader.offsetForTimestamp(p, timestamp)) ?? { offset: -1n, timestamp: -1n };
  }
}

export const listOffsetsHandler: ApiHandler<ListOffsetsRequest, Input<ListOffsetsResponse>> = {
  apiKey: ApiKey.ListOffsets,
  minVersion: 1,
  maxVersion: 9,
  async handle(ctx, request, version) {
    const topics = await Promise.all(
      request.topics.map(async (t) => {
        const topic = ctx.logs.topic(t.name);
        const partitions = await Promise.all(
          t.partitions.map(async (rp): Promise<PartitionResponse> => {
            const p = topic?.partitions[rp.partitionIndex];
            const leaderEpoch = version >= 4 ? 0 : undefined;
            if (!p) return { partitionIndex: rp.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
            try {
              const found = await lookup(ctx, p, rp.timestamp);
              return { partitionIndex: rp.partitionIndex, errorCode: ErrorCode.NONE, ...found, leaderEpoch };
            } catch (err) {
              if (err instanceof RangeError) return { partitionIndex: rp.partitionIndex, errorCode: ErrorCode.INVALID_REQUEST };
              ctx.log.error({ err, partition: p.key }, 'ListOffsets failed');
              return { partitionIndex: rp.partitionIndex, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
            }
          }),
        );
        return { name: t.name, partitions };
      }),
    );
    return { throttleTimeMs: 0, topics };
  },
};
