// DeleteRecords: v0–2.
// Version notes:
// * v1 is v0; v2 is flexible.
// * Raises a partition's log start offset to the offset asked (-1 = the high watermark) through
//   the retention path (RetentionEnforcer.advance: metadata row first, then the in-memory partition,
//   dropping segments wholly below it and their cached bytes); objects left unreferenced are the
//   garbage collector's. An offset at or below the current log start changes nothing.
// * Offsets above the high watermark, or negative other than -1, are OFFSET_OUT_OF_RANGE; unknown
//   topics and partitions UNKNOWN_TOPIC_OR_PARTITION; a topic whose cleanup.policy lacks delete
//   POLICY_VIOLATION (as Kafka). lowWatermark is the resulting log start offset, -1 on error.
import type {
  DeleteRecordsRequest,
  DeleteRecordsRequestDeleteRecordsPartition,
  DeleteRecordsResponse,
  DeleteRecordsResponseDeleteRecordsPartitionResult,
} from '../../protocol/generated/delete-records.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { Input } from '../../protocol/runtime/types.js';
import type { TopicState } from '../log/log-manager.js';
import { RetentionEnforcer } from '../log/retention.js';
import { brokerTopicDefaults, configDefinition, parseListValue } from '../log/topic-config.js';
import type { ApiHandler, RequestContext } from './context.js';

type Result = Input<DeleteRecordsResponseDeleteRecordsPartitionResult>;

const HIGH_WATERMARK = -1n;

function allowsDelete(ctx: RequestContext, topic: TopicState): boolean {
  const name = 'cleanup.policy';
  const value = topic.record.configs[name] ?? brokerTopicDefaults(ctx.config)[name] ?? configDefinition(name)?.default ?? 'delete';
  return parseListValue(value).includes('delete');
}

async function deleteUpTo(ctx: RequestContext, enforcer: RetentionEnforcer, topic: TopicState, req: DeleteRecordsRequestDeleteRecordsPartition): Promise<Result> {
  const fail = (errorCode: number): Result => ({ partitionIndex: req.partitionIndex, lowWatermark: -1n, errorCode });
  const p = topic.partitions.find((x) => x.partition === req.partitionIndex);
  if (!p) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const offset = req.offset === HIGH_WATERMARK ? p.highWatermark : req.offset;
  if (offset < 0n || offset > p.highWatermark) return fail(ErrorCode.OFFSET_OUT_OF_RANGE);
  if (offset > p.logStartOffset) {
    try {
      await enforcer.advance(p, offset);
    } catch (err) {
      ctx.log.error({ err, partition: p.key }, 'deleting records failed');
      return fail(ErrorCode.UNKNOWN_SERVER_ERROR);
    }
  }
  return { partitionIndex: req.partitionIndex, lowWatermark: p.logStartOffset, errorCode: ErrorCode.NONE };
}

export const deleteRecordsHandler: ApiHandler<DeleteRecordsRequest, Input<DeleteRecordsResponse>> = {
  apiKey: ApiKey.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const enforcer = new RetentionEnforcer(ctx.logs, ctx.log.child({ component: 'delete-records' }));
    const topics = [];
    for (const t of request.topics) {
      const topic = ctx.logs.topic(t.name);
      const partitions: Result[] = [];
      for (const req of t.partitions) {
        if (!topic) partitions.push({ partitionIndex: req.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
        else if (!allowsDelete(ctx, topic)) partitions.push({ partitionIndex: req.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.POLICY_VIOLATION });
        else partitions.push(await deleteUpTo(ctx, enforcer, topic, req));
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
};
