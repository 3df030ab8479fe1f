// OffsetFetch: v0–9.
// Version notes:
// * v0 read offsets from ZooKeeper in Kafka; here v0 reads the metadata store like v1.
// * v2 allows topics = null (every committed partition of the group) and adds the top-level
//   errorCode; v0–1 carry group-level errors in every requested partition instead.
// * v3 adds throttleTimeMs; v5 adds committedLeaderEpoch (-1 when unknown); v6 is the first
//   flexible version; v7 adds requireStable (accepted: without transactions no offset is ever
//   pending, so UNSTABLE_OFFSET_COMMIT never applies).
// * v8 batches groups (`groups` in and out, each with its own errorCode; the single-group fields
//   are gone). v9 adds memberId/memberEpoch for KIP-848 groups, which classic groups ignore (as
//   Kafka's ClassicGroup.validateOffsetFetch).
// A requested partition without a committed offset answers offset -1, leader epoch -1, metadata ''
// and no error; a group without offsets (or unknown) is not an error either. Topic existence is not
// checked (Kafka does not either). A store failure is COORDINATOR_NOT_AVAILABLE for the group.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/generated/offset-fetch.js';
import type { Input } from '../../protocol/runtime/types.js';
import type { CommittedOffset } from '../metadata/metadata-store.js';
import type { ApiHandler, RequestContext } from './context.js';

interface PartitionAnswer {
  partitionIndex: number;
  committedOffset: bigint;
  committedLeaderEpoch: number;
  metadata: string;
  errorCode: number;
}

interface TopicAnswer {
  name: string;
  partitions: PartitionAnswer[];
}

interface GroupAnswer {
  errorCode: number;
  topics: TopicAnswer[];
}

interface TopicQuery {
  name: string;
  partitionIndexes: number[];
}

function noOffset(partitionIndex: number, errorCode: number = ErrorCode.NONE): PartitionAnswer {
  return { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode };
}

function answerOf(o: CommittedOffset): PartitionAnswer {
  return {
    partitionIndex: o.partition,
    committedOffset: o.offset,
    committedLeaderEpoch: o.leaderEpoch,
    metadata: o.metadata ?? '',
    errorCode: ErrorCode.NONE,
  };
}

/** The committed offsets of one group for `topics` (null = all), in request order. */
async function fetchGroup(ctx: RequestContext, groupId: string, topics: readonly TopicQuery[] | null): Promise<GroupAnswer> {
  let offsets: CommittedOffset[];
  try {
    offsets = await ctx.metadata.fetchOffsets(groupId, topics === null ? undefined : [...new Set(topics.map((t) => t.name))]);
  } catch (err) {
    ctx.log.warn({ err, groupId }, 'offset fetch failed in the metadata store');
    return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
  }
  if (topics === null) {
    // The store orders by topic, then partition.
    const byTopic = new Map<string, PartitionAnswer[]>();
    for (const o of offsets) {
      let list = byTopic.get(o.topic);
      if (list === undefined) byTopic.set(o.topic, (list = []));
      list.push(answerOf(o));
    }
    return { errorCode: ErrorCode.NONE, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
  }
  const committed = new Map<string, CommittedOffset>();
  for (const o of offsets) committed.set(`${o.partition}/${o.topic}`, o);
  return {
    errorCode: ErrorCode.NONE,
    topics: topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p) => {
        const o = committed.get(`${p}/${t.name}`);
        return o === undefined ? noOffset(p) : answerOf(o);
      }),
    })),
  };
}

export const offsetFetchHandler: ApiHandler<OffsetFetchRequest, Input<OffsetFetchResponse>> = {
  apiKey: ApiKey.OffsetFetch,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, request, version) {
    if (version >= 8) {
      const groups = await Promise.all(
        request.groups.map(async (g) => {
          const answer = await fetchGroup(ctx, g.groupId, g.topics);
          return { groupId: g.groupId, errorCode: answer.errorCode, topics: answer.topics };
        }),
      );
      return { groups };
    }
    // v0–1 have no null topics (the decoder never yields null there).
    const answer = await fetchGroup(ctx, request.groupId, request.topics);
    const withEpoch = (p: PartitionAnswer): Input<PartitionAnswer> =>
      version >= 5 ? p : { partitionIndex: p.partitionIndex, committedOffset: p.committedOffset, metadata: p.metadata, errorCode: p.errorCode };
    if (version >= 2) {
      return {
        errorCode: answer.errorCode,
        topics: answer.errorCode === ErrorCode.NONE ? answer.topics.map((t) => ({ name: t.name, partitions: t.partitions.map(withEpoch) })) : [],
      };
    }
    // v0–1: no top-level error; a group-level error goes to every requested partition.
    const topics =
      answer.errorCode === ErrorCode.NONE
        ? answer.topics
        : (request.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => noOffset(p, answer.errorCode)) }));
    return { topics: topics.map((t) => ({ name: t.name, partitions: t.partitions.map(withEpoch) })) };
  },
};
