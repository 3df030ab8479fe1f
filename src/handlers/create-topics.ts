// CreateTopics: v0–7.
// Version notes:
// * v1 adds validateOnly (and per-topic error messages); v2 throttleTimeMs; v3 is v2.
// * v4 lets numPartitions / replicationFactor be -1 (broker defaults) without assignments; we
//   accept -1 at every version.
// * v5 is flexible and returns numPartitions, replicationFactor and the topic's configs; v6 is v5
//   (may return THROTTLING_QUOTA_EXCEEDED, which we never do); v7 adds topicId.
// * Durability comes from object storage, so any replication factor >= 1 is accepted and reported
//   back as asked (-1 reports as 1, our default.replication.factor). Manual assignments set the
//   partition count; their broker ids are ignored.
import type {
  CreateTopicsRequest,
  CreateTopicsRequestCreatableTopic,
  CreateTopicsResponse,
  CreateTopicsResponseCreatableTopicResult,
} from '../../protocol/generated/create-topics.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { ZERO_UUID } from '../../protocol/runtime/helpers.js';
import type { Input } from '../../protocol/runtime/types.js';
import { InvalidPartitionsError, TopicExistsError } from '../metadata/metadata-store.js';
import { brokerTopicDefaults, describeTopicConfigs, validateTopicConfigs } from '../log/topic-config.js';
import { topicNamesCollide, validateTopicName } from '../log/topic-name.js';
import type { ApiHandler, RequestContext } from './context.js';

/**
 * Most partitions one topic may have (CreateTopics and CreatePartitions). Kafka has no such limit,
 * but every partition costs metadata rows and a lease; this keeps one request from stalling the broker.
 */
export const MAX_PARTITIONS_PER_TOPIC = 10_000;

/** default.replication.factor as we report it. */
const DEFAULT_REPLICATION_FACTOR = 1;

type Result = Input<CreateTopicsResponseCreatableTopicResult>;

interface Plan {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

function failure(name: string, errorCode: number, message: string, version: number): Result {
  const r: Result = { name, errorCode, errorMessage: message };
  if (version >= 5) Object.assign(r, { numPartitions: -1, replicationFactor: -1, configs: [] });
  return r;
}

function success(ctx: RequestContext, plan: Plan, topicId: string, version: number): Result {
  const r: Result = { name: plan.name, errorCode: ErrorCode.NONE, errorMessage: null };
  if (version >= 5) {
    r.numPartitions = plan.partitions;
    r.replicationFactor = plan.replicationFactor;
    r.configs = describeTopicConfigs(plan.configs, brokerTopicDefaults(ctx.config)).map((c) => ({
      name: c.name,
      value: c.value,
      readOnly: false,
      configSource: c.source,
      isSensitive: false,
    }));
  }
  if (version >= 7) r.topicId = topicId;
  return r;
}

/** Validates one topic; returns what to create or the error result. */
function plan(ctx: RequestContext, t: CreateTopicsRequestCreatableTopic, version: number): Plan | Result {
  const invalidName = validateTopicName(t.name);
  if (invalidName) return failure(t.name, ErrorCode.INVALID_TOPIC_EXCEPTION, invalidName, version);

  let partitions: number;
  let replicationFactor: number;
  if (t.assignments.length > 0) {
    if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
      return failure(t.name, ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.', version);
    }
    const indexes = t.assignments.map((a) => a.partitionIndex).sort((a, b) => a - b);
    if (indexes.some((p, i) => p !== i)) {
      return failure(t.name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions should be a consecutive 0-based integer sequence', version);
    }
    partitions = t.assignments.length;
    replicationFactor = Math.max(1, t.assignments[0].brokerIds.length);
  } else {
    partitions = t.numPartitions === -1 ? ctx.config.defaultPartitions : t.numPartitions;
    if (partitions < 1) {
      return failure(t.name, ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.', version);
    }
    if (t.replicationFactor !== -1 && t.replicationFactor < 1) {
      return failure(t.name, ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.', version);
    }
    replicationFactor = t.replicationFactor === -1 ? DEFAULT_REPLICATION_FACTOR : t.replicationFactor;
  }
  if (partitions > MAX_PARTITIONS_PER_TOPIC) {
    return failure(t.name, ErrorCode.INVALID_PARTITIONS, `Number of partitions ${partitions} is above this broker's limit of ${MAX_PARTITIONS_PER_TOPIC}.`, version);
  }

  const configs: Record<string, string> = {};
  const nulls = t.configs.filter((c) => c.value === null).map((c) => c.name);
  if (nulls.length > 0) {
    return failure(t.name, ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${nulls.join(',')}`, version);
  }
  for (const c of t.configs) configs[c.name] = c.value!;
  const invalidConfig = validateTopicConfigs(configs);
  if (invalidConfig) return failure(t.name, ErrorCode.INVALID_CONFIG, `Invalid config: ${invalidConfig}`, version);

  return { name: t.name, partitions, replicationFactor, configs };
}

async function createOne(ctx: RequestContext, t: CreateTopicsRequestCreatableTopic, validateOnly: boolean, version: number): Promise<Result> {
  const p = plan(ctx, t, version);
  if (!('partitions' in p)) return p;

  const exists = ctx.logs.topic(p.name) !== undefined || (validateOnly && (await ctx.metadata.getTopic(p.name)) !== null);
  if (exists) return failure(p.name, ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${p.name}' already exists.`, version);
  const collision = ctx.logs.topics().find((other) => topicNamesCollide(p.name, other.record.name));
  if (collision) {
    return failure(p.name, ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${p.name}' collides with existing topic: ${collision.record.name}`, version);
  }
  if (validateOnly) return success(ctx, p, ZERO_UUID, version);

  try {
    const topic = await ctx.logs.createTopic(p.name, p.partitions, p.configs);
    ctx.log.info({ topic: p.name, partitions: p.partitions, configs: p.configs }, 'created topic');
    return success(ctx, p, topic.record.id, version);
  } catch (err) {
    if (err instanceof TopicExistsError) return failure(p.name, ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${p.name}' already exists.`, version);
    if (err instanceof InvalidPartitionsError) return failure(p.name, ErrorCode.INVALID_PARTITIONS, err.message, version);
    ctx.log.error({ err, topic: p.name }, 'creating a topic failed');
    return failure(p.name, ErrorCode.UNKNOWN_SERVER_ERROR, 'Creating the topic failed; see the broker log.', version);
  }
}

export const createTopicsHandler: ApiHandler<CreateTopicsRequest, Input<CreateTopicsResponse>> = {
  apiKey: ApiKey.CreateTopics,
  minVersion: 0,
  maxVersion: 7,
  async handle(ctx, request, version) {
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const done = new Set<string>();
    const topics: Result[] = [];
    // One result per distinct name, in request order; names given twice fail together.
    for (const t of request.topics) {
      if (done.has(t.name)) continue;
      done.add(t.name);
      if (counts.get(t.name)! > 1) topics.push(failure(t.name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.', version));
      else topics.push(await createOne(ctx, t, version >= 1 && request.validateOnly, version));
    }
    return { throttleTimeMs: 0, topics };
  },
};
