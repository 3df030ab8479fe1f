// OffsetCommit: v0–9.
// Version notes:
// * v0 has no generation or member: a standalone ("simple") commit, like generation -1 with no
//   member id (Kafka v0 wrote to ZooKeeper; here every version writes to the metadata store).
// * v1 adds generationIdOrMemberEpoch, memberId and a per-partition commitTimestamp (v1 only).
// * v2–4 replace the commit timestamp by retentionTimeMs; v5 removes it (broker-controlled).
//   Both are accepted and ignored: offsets are kept until deleted (the store stamps commit time).
// * v3 adds throttleTimeMs; v6 adds committedLeaderEpoch (-1 when absent); v7 adds groupInstanceId
//   (KIP-345); v8 is the first flexible version.
// * v9 (KIP-848) is v8 for classic groups. Kafka answers GROUP_ID_NOT_FOUND from v9 when the group
//   does not exist and the generation is ≥ 0; we keep ILLEGAL_GENERATION for every version because
//   groups live in memory here: after a broker restart a member's commit must make it rejoin (the
//   classic Java consumer treats GROUP_ID_NOT_FOUND on commit as fatal).
// Order, as Kafka's KafkaApis + OffsetMetadataManager: topics and partitions that do not exist get
// UNKNOWN_TOPIC_OR_PARTITION; if anything is left the group checks run (validateOffsetCommit: its
// error goes to every remaining partition); then metadata longer than offset.metadata.max.bytes
// (4096, counted in UTF-8 bytes where Kafka counts UTF-16 units) gets OFFSET_METADATA_TOO_LARGE; the
// rest is stored in one statement. A store failure answers COORDINATOR_NOT_AVAILABLE (retriable).
// Null metadata is stored as '' (Kafka's OffsetAndMetadata.NoMetadata).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/generated/offset-commit.js';
import type { Input } from '../../protocol/runtime/types.js';
import type { CommittedOffset } from '../metadata/metadata-store.js';
import type { ApiHandler, RequestContext } from './context.js';

/** offset.metadata.max.bytes (Kafka default). */
export const OFFSET_METADATA_MAX_BYTES = 4096;

/** True when the topic exists here and has the partition (partitions are numbered 0..n-1). */
export function partitionExists(ctx: RequestContext, topic: string, partition: number): boolean {
  const state = ctx.logs.topic(topic);
  return state !== undefined && Number.isInteger(partition) && partition >= 0 && partition < state.partitions.length;
}

interface Slot {
  partitionIndex: number;
  errorCode: number;
}

export const offsetCommitHandler: ApiHandler<OffsetCommitRequest, Input<OffsetCommitResponse>> = {
  apiKey: ApiKey.OffsetCommit,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, request, version) {
    // One response slot per requested partition, in request order; `pending` are those still valid.
    const topics = request.topics.map((t) => ({ name: t.name, partitions: [] as Slot[] }));
    const pending: { slot: Slot; offset: Omit<CommittedOffset, 'commitTimestamp'> }[] = [];
    request.topics.forEach((t, i) => {
      for (const p of t.partitions) {
        const slot: Slot = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
        topics[i].partitions.push(slot);
        if (!partitionExists(ctx, t.name, p.partitionIndex)) {
          slot.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          continue;
        }
        pending.push({
          slot,
          offset: {
            topic: t.name,
            partition: p.partitionIndex,
            offset: p.committedOffset,
            leaderEpoch: version >= 6 ? p.committedLeaderEpoch : -1,
            metadata: p.committedMetadata ?? '',
          },
        });
      }
    });
    if (pending.length > 0) {
      const groupError = ctx.groups.validateOffsetCommit(
        request.groupId,
        version >= 1 ? request.memberId : '',
        version >= 1 ? request.generationIdOrMemberEpoch : -1,
        version >= 7 ? request.groupInstanceId : null,
      );
      if (groupError !== ErrorCode.NONE) {
        for (const { slot } of pending) slot.errorCode = groupError;
      } else {
        const accepted: Omit<CommittedOffset, 'commitTimestamp'>[] = [];
        const acceptedSlots: Slot[] = [];
        for (const { slot, offset } of pending) {
          if (offset.metadata !== null && Buffer.byteLength(offset.metadata, 'utf8') > OFFSET_METADATA_MAX_BYTES) {
            slot.errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
          } else {
            accepted.push(offset);
            acceptedSlots.push(slot);
          }
        }
        if (accepted.length > 0) {
          try {
            await ctx.metadata.commitOffsets(request.groupId, accepted);
          } catch (err) {
            ctx.log.warn({ err, groupId: request.groupId }, 'offset commit failed in the metadata store');
            for (const slot of acceptedSlots) slot.errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
          }
        }
      }
    }
    return { topics };
  },
};
