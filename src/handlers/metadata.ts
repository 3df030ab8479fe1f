// Metadata: v0–12.
// Version notes:
// * v0: an empty topic list means all topics; from v1 null means all and [] means none.
// * v4 adds AllowAutoTopicCreation (before it, auto-creation is implied); v7 LeaderEpoch;
//   v8–10 authorized operations (left at "unknown"); v9 is flexible; v10 adds topic ids and lets
//   requests name topics by id; v11 drops cluster authorized operations; v12 allows null names.
// * One agent leads every partition it holds a lease on; replicas and ISR are just that node.
import type { MetadataRequest, MetadataResponse } from '../../protocol/generated/metadata.js';
import type { Input } from '../../protocol/runtime/types.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { TopicExistsError } from '../metadata/metadata-store.js';
import { validateTopicName } from '../log/topic-name.js';
import type { TopicState } from '../log/log-manager.js';
import type { ApiHandler, RequestContext } from './context.js';

type TopicResponse = Input<MetadataResponse['topics'][number]>;

/** The Metadata view of one topic, shared with handlers that describe partitions the same way. */
export function describeTopic(ctx: RequestContext, topic: TopicState): TopicResponse {
  const node = ctx.identity.nodeId;
  return {
    errorCode: ErrorCode.NONE,
    name: topic.record.name,
    topicId: topic.record.id,
    isInternal: false,
    partitions: topic.partitions.map((p) => ({
      errorCode: p.leaseEpoch === null ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: p.partition,
      leaderId: p.leaseEpoch === null ? -1 : node,
      leaderEpoch: 0,
      replicaNodes: [node],
      isrNodes: [node],
      offlineReplicas: [],
    })),
  };
}

async function autoCreate(ctx: RequestContext, name: string): Promise<TopicState | TopicResponse> {
  const invalid = validateTopicName(name);
  if (invalid) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name, partitions: [] };
  try {
    const topic = await ctx.logs.createTopic(name, ctx.config.defaultPartitions, {});
    ctx.log.info({ topic: name, partitions: ctx.config.defaultPartitions }, 'auto-created topic');
    return topic;
  } catch (err) {
    if (err instanceof TopicExistsError) {
      const existing = ctx.logs.topic(name);
      if (existing) return existing;
    }
    ctx.log.error({ err, topic: name }, 'auto-creating a topic failed');
    return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, name, partitions: [] };
  }
}

export const metadataHandler: ApiHandler<MetadataRequest, Input<MetadataResponse>> = {
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 12,
  async handle(ctx, request, version) {
    const all = request.topics === null || (version === 0 && request.topics.length === 0);
    const allowCreate = ctx.config.autoCreateTopics && (version < 4 || request.allowAutoTopicCreation);
    const topics: TopicResponse[] = [];
    if (all) {
      for (const t of ctx.logs.topics()) topics.push(describeTopic(ctx, t));
    } else {
      for (const wanted of request.topics ?? []) {
        const byId = wanted.name === null || wanted.name === '';
        const existing = byId ? ctx.logs.topicById(wanted.topicId) : ctx.logs.topic(wanted.name!);
        if (existing) {
          topics.push(describeTopic(ctx, existing));
        } else if (byId) {
          topics.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: wanted.topicId, partitions: [] });
        } else if (allowCreate) {
          const created = await autoCreate(ctx, wanted.name!);
          topics.push('record' in created ? describeTopic(ctx, created) : created);
        } else {
          topics.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name: wanted.name, partitions: [] });
        }
      }
    }
    const { nodeId, host, port, rack, clusterId } = ctx.identity;
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId, host, port, rack }],
      clusterId,
      controllerId: nodeId,
      topics,
    };
  },
};
