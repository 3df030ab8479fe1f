// Fetch: v4–17.
// Version notes:
// * v4 is the first version that reads record batch v2 (and adds IsolationLevel); older ones are
//   not served. v5 adds LogStartOffset, v7 fetch sessions (KIP-227): we always answer session id 0,
//   which tells clients to send full fetches. v9 adds CurrentLeaderEpoch (KIP-320), v11 rack-aware
//   PreferredReadReplica (always -1 here), v12 is flexible, v13 names topics by id (KIP-516),
//   v15 carries ReplicaState, v16/17 add KIP-951/853 fields we leave at their defaults.
// * Whole batches are returned, from the batch holding FetchOffset; a partition's first batch is
//   returned even when larger than the limits so a consumer always progresses (KIP-74).
// * The request long-polls: it waits until MinBytes are available or MaxWaitMs passes, woken by
//   commits to the partitions it reads, not by polling.
import type { FetchRequest, FetchResponse } from '../../protocol/generated/fetch.js';
import type { Input } from '../../protocol/runtime/types.js';
import { ByteChunks } from '../../protocol/runtime/byte-chunks.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { ApiHandler, RequestContext } from './context.js';
import type { TopicState } from '../log/log-manager.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { PlannedRead } from '../log/log-reader.js';

type TopicResponse = Input<FetchResponse['responses'][number]>;
type PartitionResponse = Input<FetchResponse['responses'][number]['partitions'][number]>;

const EMPTY = Buffer.alloc(0);
const NO_LIMIT = 0x7fffffff;

interface Wanted {
  topic: TopicState | undefined;
  request: FetchRequest['topics'][number];
}

function resolveTopics(ctx: RequestContext, request: FetchRequest, version: number): Wanted[] {
  return request.topics.map((t) => ({
    request: t,
    topic: version >= 13 ? ctx.logs.topicById(t.topicId) : ctx.logs.topic(t.topic),
  }));
}

async function readPartition(
  ctx: RequestContext,
  p: PartitionLog,
  fetchOffset: bigint,
  maxBytes: number,
  minOneBatch: boolean,
): Promise<{ response: Omit<PartitionResponse, 'partitionIndex'>; bytes: number; nextOffset: bigint }> {
  const bounds = { highWatermark: p.highWatermark, lastStableOffset: p.highWatermark, logStartOffset: p.logStartOffset };
  if (fetchOffset < p.logStartOffset || fetchOffset > p.highWatermark) {
    return { response: { ...bounds, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: EMPTY }, bytes: 0, nextOffset: fetchOffset };
  }
  if (fetchOffset === p.highWatermark || maxBytes <= 0) {
    return { response: { ...bounds, errorCode: ErrorCode.NONE, records: EMPTY }, bytes: 0, nextOffset: fetchOffset };
  }
  const read = await ctx.logs.reader.read(p, fetchOffset, maxBytes, minOneBatch);
  // One span per segment read, each a view of cached bytes, written to the socket as they are.
  const records = read.batches.length === 0 ? EMPTY : read.batches.length === 1 ? read.batches[0] : new ByteChunks(read.batches);
  return { response: { ...bounds, errorCode: ErrorCode.NONE, records }, bytes: read.bytes, nextOffset: read.nextOffset };
}

/** The partition reads a Fetch will make, in order, for LogReader.prefetch. */
function plannedReads(wanted: Wanted[]): PlannedRead[] {
  const out: PlannedRead[] = [];
  for (const w of wanted) {
    for (const rp of w.request.partitions) {
      const p = w.topic?.partitions[rp.partition];
      if (!p || rp.fetchOffset < p.logStartOffset || rp.fetchOffset >= p.highWatermark) continue;
      out.push({ partition: p, fetchOffset: rp.fetchOffset, maxBytes: rp.partitionMaxBytes });
    }
  }
  return out;
}

async function assemble(
  ctx: RequestContext,
  request: FetchRequest,
  wanted: Wanted[],
  version: number,
): Promise<{ responses: TopicResponse[]; bytes: number; failed: boolean }> {
  const maxBytes = version >= 3 ? request.maxBytes : NO_LIMIT;
  let remaining = maxBytes;
  ctx.logs.reader.prefetch(plannedReads(wanted), maxBytes);
  let bytes = 0;
  let failed = false;
  const responses: TopicResponse[] = [];
  // Where this consumer will fetch next: loaded while this response travels (read-ahead).
  const next: PlannedRead[] = [];
  for (const w of wanted) {
    const partitions: PartitionResponse[] = [];
    for (const rp of w.request.partitions) {
      const p = w.topic?.partitions[rp.partition];
      if (!p) {
        failed = true;
        const code = version >= 13 && !w.topic ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        partitions.push({ partitionIndex: rp.partition, errorCode: code, highWatermark: -1n, records: EMPTY });
        continue;
      }
      const limit = Math.min(rp.partitionMaxBytes, remaining);
      try {
        const r = await readPartition(ctx, p, rp.fetchOffset, limit, bytes === 0);
        if (r.response.errorCode !== ErrorCode.NONE) failed = true;
        if (r.bytes > 0 && r.nextOffset < p.highWatermark) next.push({ partition: p, fetchOffset: r.nextOffset, maxBytes: rp.partitionMaxBytes });
        bytes += r.bytes;
        remaining = Math.max(0, remaining - r.bytes);
        // read_committed readers get a (here always empty) list of aborted transactions, others null, as Kafka answers.
        partitions.push({ partitionIndex: rp.partition, ...r.response, abortedTransactions: request.isolationLevel === 1 ? [] : null });
      } catch (err) {
        failed = true;
        ctx.log.error({ err, partition: p.key }, 'fetch read failed');
        partitions.push({ partitionIndex: rp.partition, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, highWatermark: p.highWatermark, records: EMPTY });
      }
    }
    responses.push(version >= 13 ? { topicId: w.request.topicId, partitions } : { topic: w.request.topic, partitions });
  }
  ctx.logs.reader.prefetch(next, maxBytes);
  return { responses, bytes, failed };
}

export const fetchHandler: ApiHandler<FetchRequest, Input<FetchResponse>> = {
  apiKey: ApiKey.Fetch,
  minVersion: 4,
  maxVersion: 17,
  async handle(ctx, request, version) {
    const deadline = Date.now() + Math.max(0, request.maxWaitMs);
    const wanted = resolveTopics(ctx, request, version);
    const watched = wanted.flatMap((w) => w.request.partitions.map((rp) => w.topic?.partitions[rp.partition])).filter((p): p is PartitionLog => p !== undefined);
    for (;;) {
      const { responses, bytes, failed } = await assemble(ctx, request, wanted, version);
      const waitMs = deadline - Date.now();
      if (bytes >= request.minBytes || failed || waitMs <= 0 || watched.length === 0 || !ctx.isOpen()) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses };
      }
      await ctx.logs.waitForData(watched, waitMs);
    }
  },
};
