// DeleteTopics: v0–6.
// Version notes:
// * v0–3 are the same (topic names); v1 adds throttleTimeMs; v4 is flexible.
// * v5 adds errorMessage (and may return THROTTLING_QUOTA_EXCEEDED, which we never do).
// * v6 names topics by name OR topic id (`topics`, replacing `topicNames`); unknown names are
//   UNKNOWN_TOPIC_OR_PARTITION, unknown ids UNKNOWN_TOPIC_ID; results carry both name and id.
// * Deleting a topic removes its partitions, segment rows, leases and config overrides (one
//   metadata transaction) and, as Kafka's group coordinator does, the committed offsets of every
//   group for it, so a topic re-created under the same name starts clean.
import type {
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  DeleteTopicsResponseDeletableTopicResult,
} from '../../protocol/generated/delete-topics.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { ZERO_UUID } from '../../protocol/runtime/helpers.js';
import type { Input } from '../../protocol/runtime/types.js';
import type { ApiHandler, RequestContext } from './context.js';

type Result = Input<DeleteTopicsResponseDeletableTopicResult>;

/** One topic to delete as the request named it. */
interface Target {
  name: string | null;
  topicId: string;
}

async function resolveId(ctx: RequestContext, topicId: string): Promise<string | null> {
  const known = ctx.logs.topicById(topicId);
  if (known) return known.record.name;
  const stored = (await ctx.metadata.listTopics()).find((t) => t.id === topicId);
  return stored ? stored.name : null;
}

async function idOf(ctx: RequestContext, name: string): Promise<string | null> {
  const known = ctx.logs.topic(name);
  if (known) return known.record.id;
  return (await ctx.metadata.getTopic(name))?.id ?? null;
}

/** Removes every group's committed offsets for the topic (Kafka's onPartitionsDeleted). */
async function deleteCommittedOffsets(ctx: RequestContext, topic: string): Promise<void> {
  try {
    for (const groupId of await ctx.metadata.listOffsetGroups()) {
      const offsets = await ctx.metadata.fetchOffsets(groupId, [topic]);
      if (offsets.length > 0) await ctx.metadata.deleteOffsets(groupId, offsets.map((o) => ({ topic, partition: o.partition })));
    }
  } catch (err) {
    ctx.log.warn({ err, topic }, 'deleting the committed offsets of a deleted topic failed');
  }
}

async function deleteOne(ctx: RequestContext, target: Target, version: number): Promise<Result> {
  let name = target.name;
  let topicId = target.topicId;
  const fail = (errorCode: number, errorMessage: string): Result =>
    version >= 6 ? { name, topicId, errorCode, errorMessage } : { name: name ?? '', errorCode, errorMessage };

  if (name === null) {
    if (topicId === ZERO_UUID) return fail(ErrorCode.INVALID_REQUEST, 'Neither topic name nor topic id was given.');
    name = await resolveId(ctx, topicId);
    if (name === null) return fail(ErrorCode.UNKNOWN_TOPIC_ID, `Topic id ${topicId} does not exist.`);
  } else {
    const id = await idOf(ctx, name);
    if (id === null) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    if (topicId !== ZERO_UUID && topicId !== id) {
      return fail(ErrorCode.INVALID_REQUEST, `Topic '${name}' does not have topic id ${topicId}.`);
    }
    topicId = id;
  }

  try {
    if (!(await ctx.logs.deleteTopic(name))) {
      return target.name === null
        ? fail(ErrorCode.UNKNOWN_TOPIC_ID, `Topic id ${topicId} does not exist.`)
        : fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    }
  } catch (err) {
    ctx.log.error({ err, topic: name }, 'deleting a topic failed');
    return fail(ErrorCode.UNKNOWN_SERVER_ERROR, 'Deleting the topic failed; see the broker log.');
  }
  ctx.log.info({ topic: name, topicId }, 'deleted topic');
  await deleteCommittedOffsets(ctx, name);
  return version >= 6 ? { name, topicId, errorCode: ErrorCode.NONE, errorMessage: null } : { name, errorCode: ErrorCode.NONE, errorMessage: null };
}

export const deleteTopicsHandler: ApiHandler<DeleteTopicsRequest, Input<DeleteTopicsResponse>> = {
  apiKey: ApiKey.DeleteTopics,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, request, version) {
    const targets: Target[] = version >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    // One result per distinct name or id, in request order; one given twice fails (Kafka: "Duplicate topic name.").
    const keyOf = (t: Target): string => (t.name !== null ? `n:${t.name}` : `i:${t.topicId}`);
    const counts = new Map<string, number>();
    for (const t of targets) counts.set(keyOf(t), (counts.get(keyOf(t)) ?? 0) + 1);
    const done = new Set<string>();
    const responses: Result[] = [];
    for (const t of targets) {
      if (done.has(keyOf(t))) continue;
      done.add(keyOf(t));
      if (counts.get(keyOf(t))! > 1) {
        const errorMessage = t.name !== null ? 'Duplicate topic name.' : 'Duplicate topic id.';
        responses.push(version >= 6 ? { name: t.name, topicId: t.topicId, errorCode: ErrorCode.INVALID_REQUEST, errorMessage } : { name: t.name ?? '', errorCode: ErrorCode.INVALID_REQUEST, errorMessage });
      } else {
        responses.push(await deleteOne(ctx, t, version));
      }
    }
    return { throttleTimeMs: 0, responses };
  },
};
