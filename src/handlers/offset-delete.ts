// OffsetDelete: v0 (the only version; never flexible; KIP-496).
// Version notes:
// * Deletes committed offsets of some partitions of a group. Top-level errors (the response then
//   lists no topics): INVALID_GROUP_ID for the empty group id, GROUP_ID_NOT_FOUND when the group
//   has neither members nor committed offsets, NON_EMPTY_GROUP when a group that is not a consumer
//   group ("consumer" protocol type) has members, COORDINATOR_NOT_AVAILABLE when the store fails.
// * Per partition: UNKNOWN_TOPIC_OR_PARTITION for topics/partitions that do not exist (as Kafka's
//   KafkaApis), GROUP_SUBSCRIBED_TO_TOPIC while an active consumer group is subscribed to the topic.
// Approximation (documented): Kafka knows a group's subscribed topics from the members' metadata
// of the current generation. We read them from the members' ConsumerProtocolSubscription while the
// group is Stable (the coordinator only exposes metadata then); while it rebalances, every topic
// counts as subscribed (refused), which is the safe side. An Empty group's offsets are deleted.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/generated/offset-delete.js';
import type { Input } from '../../protocol/runtime/types.js';
import { GroupState } from '../groups/types.js';
import type { ApiHandler } from './context.js';
import { partitionExists } from './offset-commit.js';

/** ConsumerProtocol.PROTOCOL_TYPE. */
const CONSUMER_PROTOCOL_TYPE = 'consumer';

/**
 * The topics of a ConsumerProtocolSubscription (any version: int16 version, then the topics as an
 * int32-counted array of int16-length strings, never flexible), or null when it cannot be read.
 */
export function subscribedTopicsOf(metadata: Buffer): string[] | null {
  try {
    if (metadata.length < 6) return null;
    let pos = 2; // version
    const count = metadata.readInt32BE(pos);
    pos += 4;
    if (count < 0 || count > metadata.length) return null;
    const topics: string[] = [];
    for (let i = 0; i < count; i++) {
      const len = metadata.readInt16BE(pos);
      pos += 2;
      if (len < 0 || pos + len > metadata.length) return null;
      topics.push(metadata.toString('utf8', pos, pos + len));
      pos += len;
    }
    return topics;
  } catch {
    return null;
  }
}

type Response = Input<OffsetDeleteResponse>;

function groupError(errorCode: number): Response {
  return { errorCode, topics: [] };
}

export const offsetDeleteHandler: ApiHandler<OffsetDeleteRequest, Response> = {
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, request) {
    const { groupId } = request;
    if (groupId === '') return groupError(ErrorCode.INVALID_GROUP_ID);

    // Which topics are off limits: null = none (Empty group), 'all' = every topic.
    let subscribed: Set<string> | 'all' | null = null;
    const group = ctx.groups.group(groupId);
    const live = group !== undefined && group.state !== GroupState.Dead;
    if (live && group.state !== GroupState.Empty) {
      const described = group.describe();
      if (described.protocolType !== CONSUMER_PROTOCOL_TYPE) return groupError(ErrorCode.NON_EMPTY_GROUP);
      subscribed = 'all';
      if (described.state === GroupState.Stable) {
        const topics = new Set<string>();
        let known = true;
        for (const m of described.members) {
          const list = subscribedTopicsOf(m.metadata);
          if (list === null) {
            known = false;
            break;
          }
          for (const t of list) topics.add(t);
        }
        if (known) subscribed = topics;
      }
    }
    if (!live) {
      try {
        const offsets = await ctx.metadata.fetchOffsets(groupId);
        if (offsets.length === 0) return groupError(ErrorCode.GROUP_ID_NOT_FOUND);
      } catch (err) {
        ctx.log.warn({ err, groupId }, 'offset delete: metadata store failed');
        return groupError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
    }

    const toDelete: { topic: string; partition: number }[] = [];
    const topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        let errorCode: number = ErrorCode.NONE;
        if (!partitionExists(ctx, t.name, p.partitionIndex)) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (subscribed === 'all' || (subscribed !== null && subscribed.has(t.name))) errorCode = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
        else toDelete.push({ topic: t.name, partition: p.partitionIndex });
        return { partitionIndex: p.partitionIndex, errorCode };
      }),
    }));
    if (toDelete.length > 0) {
      try {
        await ctx.metadata.deleteOffsets(groupId, toDelete);
      } catch (err) {
        ctx.log.warn({ err, groupId }, 'offset delete failed in the metadata store');
        return groupError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
    }
    return { errorCode: ErrorCode.NONE, topics };
  },
};
