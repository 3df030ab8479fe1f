// CreatePartitions: v0–3.
// Version notes:
// * v1 is v0; v2 is flexible; v3 is v2 (may return THROTTLING_QUOTA_EXCEEDED, which we never do).
// * The new count must be larger than the current one (INVALID_PARTITIONS otherwise, with Kafka's
//   messages). Assignments, when given, must number exactly the partitions added
//   (INVALID_REPLICA_ASSIGNMENT); their broker ids are ignored: this node leads every partition.
// * validateOnly checks everything and changes nothing.
import type {
  CreatePartitionsRequest,
  CreatePartitionsRequestCreatePartitionsTopic,
  CreatePartitionsResponse,
  CreatePartitionsResponseCreatePartitionsTopicResult,
} from '../../protocol/generated/create-partitions.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { Input } from '../../protocol/runtime/types.js';
import { InvalidPartitionsError, UnknownTopicError } from '../metadata/metadata-store.js';
import type { ApiHandler, RequestContext } from './context.js';
import { MAX_PARTITIONS_PER_TOPIC } from './create-topics.js';

type Result = Input<CreatePartitionsResponseCreatePartitionsTopicResult>;

const fail = (name: string, errorCode: number, errorMessage: string): Result => ({ name, errorCode, errorMessage });

async function growOne(ctx: RequestContext, t: CreatePartitionsRequestCreatePartitionsTopic, validateOnly: boolean): Promise<Result> {
  const topic = ctx.logs.topic(t.name);
  if (!topic) return fail(t.name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${t.name}' does not exist.`);
  const current = topic.partitions.length;
  if (t.count === current) return fail(t.name, ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partition(s).`);
  if (t.count < current) {
    return fail(t.name, ErrorCode.INVALID_PARTITIONS, `The topic ${t.name} currently has ${current} partition(s); ${t.count} would not be an increase.`);
  }
  if (t.count > MAX_PARTITIONS_PER_TOPIC) {
    return fail(t.name, ErrorCode.INVALID_PARTITIONS, `Number of partitions ${t.count} is above this broker's limit of ${MAX_PARTITIONS_PER_TOPIC}.`);
  }
  const additional = t.count - current;
  if (t.assignments !== null && t.assignments.length !== additional) {
    return fail(t.name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Attempted to add ${additional} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`);
  }
  if (validateOnly) return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
  try {
    await ctx.logs.createPartitions(t.name, t.count);
  } catch (err) {
    if (err instanceof InvalidPartitionsError) return fail(t.name, ErrorCode.INVALID_PARTITIONS, err.message);
    if (err instanceof UnknownTopicError) return fail(t.name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${t.name}' does not exist.`);
    ctx.log.error({ err, topic: t.name }, 'creating partitions failed');
    return fail(t.name, ErrorCode.UNKNOWN_SERVER_ERROR, 'Creating the partitions failed; see the broker log.');
  }
  ctx.log.info({ topic: t.name, from: current, to: t.count }, 'created partitions');
  return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
}

export const createPartitionsHandler: ApiHandler<CreatePartitionsRequest, Input<CreatePartitionsResponse>> = {
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, request) {
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const done = new Set<string>();
    const results: Result[] = [];
    for (const t of request.topics) {
      if (done.has(t.name)) continue;
      done.add(t.name);
      if (counts.get(t.name)! > 1) results.push(fail(t.name, ErrorCode.INVALID_REQUEST, 'Duplicate topic in request.'));
      else results.push(await growOne(ctx, t, request.validateOnly));
    }
    return { throttleTimeMs: 0, results };
  },
};
