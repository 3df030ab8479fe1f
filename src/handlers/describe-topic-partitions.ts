// DescribeTopicPartitions: v0 (flexible). Used by kafka-topics 3.9+ --describe (KIP-966).
// Version notes:
// * Topics by name (an empty list means every topic), answered in name order. Partitions look as
//   in Metadata (describeTopic in ./metadata.ts: this node leads, replicas and ISR are just it);
//   eligibleLeaderReplicas and lastKnownElr are empty lists.
// * Paging as Kafka: at most min(responsePartitionLimit, 2000) partitions per response, starting at
//   the cursor (topic name, partition index); when more remain, nextCursor names the first one
//   left out. A cursor topic missing from a non-empty topic list is INVALID_REQUEST.
// * Unknown topics are UNKNOWN_TOPIC_OR_PARTITION (INVALID_TOPIC_EXCEPTION for illegal names);
//   topicAuthorizedOperations stays "not provided".
import type {
  DescribeTopicPartitionsRequest,
  DescribeTopicPartitionsResponse,
  DescribeTopicPartitionsResponseTopic,
} from '../../protocol/generated/describe-topic-partitions.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { ZERO_UUID } from '../../protocol/runtime/helpers.js';
import type { Input } from '../../protocol/runtime/types.js';
import type { TopicState } from '../log/log-manager.js';
import { validateTopicName } from '../log/topic-name.js';
import type { ApiHandler, RequestContext } from './context.js';
import { describeTopic } from './metadata.js';

/** Kafka's max.request.partition.size.limit default. */
export const MAX_RESPONSE_PARTITIONS = 2000;

type Topic = Input<DescribeTopicPartitionsResponseTopic>;

function missing(name: string, errorCode: number): Topic {
  return { errorCode, name, topicId: ZERO_UUID, isInternal: false, partitions: [] };
}

/** The topic's partitions from index `start`, at most `max` of them, and the next index left out (or -1). */
function page(ctx: RequestContext, topic: TopicState, start: number, max: number): { topic: Topic; next: number } {
  const described = describeTopic(ctx, topic);
  const all = (described.partitions ?? []).filter((p) => (p.partitionIndex ?? 0) >= start);
  const taken = all.slice(0, max);
  const next = all.length > taken.length ? (all[taken.length].partitionIndex ?? -1) : -1;
  return {
    next,
    topic: {
      errorCode: described.errorCode ?? ErrorCode.NONE,
      name: topic.record.name,
      topicId: topic.record.id,
      isInternal: described.isInternal ?? false,
      partitions: taken.map((p) => ({
        errorCode: p.errorCode,
        partitionIndex: p.partitionIndex,
        leaderId: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: p.replicaNodes,
        isrNodes: p.isrNodes,
        eligibleLeaderReplicas: [],
        lastKnownElr: [],
        offlineReplicas: p.offlineReplicas ?? [],
      })),
    },
  };
}

export const describeTopicPartitionsHandler: ApiHandler<DescribeTopicPartitionsRequest, Input<DescribeTopicPartitionsResponse>> = {
  apiKey: ApiKey.DescribeTopicPartitions,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, request) {
    const fetchAll = request.topics.length === 0;
    const cursor = request.cursor;
    const requested = fetchAll ? ctx.logs.topics().map((t) => t.record.name) : [...new Set(request.topics.map((t) => t.name))];
    if (cursor !== null && !fetchAll && !requested.includes(cursor.topicName)) {
      return {
        throttleTimeMs: 0,
        topics: requested.map((name) => missing(name, ErrorCode.INVALID_REQUEST)),
        nextCursor: null,
      };
    }
    const names = requested.filter((n) => cursor === null || n >= cursor.topicName).sort();
    const limit = request.responsePartitionLimit > 0 ? Math.min(request.responsePartitionLimit, MAX_RESPONSE_PARTITIONS) : MAX_RESPONSE_PARTITIONS;

    let remaining = limit;
    const topics: Topic[] = [];
    let nextCursor: { topicName: string; partitionIndex: number } | null = null;
    for (const name of names) {
      const topic = ctx.logs.topic(name);
      if (!topic) {
        if (!fetchAll) topics.push(missing(name, validateTopicName(name) ? ErrorCode.INVALID_TOPIC_EXCEPTION : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        continue;
      }
      if (remaining === 0) {
        nextCursor = { topicName: name, partitionIndex: 0 };
        break;
      }
      const start = cursor !== null && name === cursor.topicName ? cursor.partitionIndex : 0;
      const { topic: described, next } = page(ctx, topic, start, remaining);
      topics.push(described);
      if (next !== -1) {
        nextCursor = { topicName: name, partitionIndex: next };
        break;
      }
      remaining -= described.partitions?.length ?? 0;
    }
    return { throttleTimeMs: 0, topics, nextCursor };
  },
};
