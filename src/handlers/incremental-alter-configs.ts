// IncrementalAlterConfigs: v0–1.
// Version notes:
// * v1 is flexible; otherwise the versions are the same.
// * TOPIC resources: SET (0), DELETE (1, back to the default), APPEND (2) and SUBTRACT (3). APPEND and
//   SUBTRACT work on LIST configs only (cleanup.policy, the throttled-replica lists), starting from
//   the current value, override or default, as Kafka; other configs get INVALID_CONFIG. The
//   resulting overrides are validated as a whole (INVALID_CONFIG with a message) and stored in one
//   write; validateOnly stops before the write.
// * BROKER resources: dynamic broker configs are not supported. Any change is INVALID_REQUEST
//   (Kafka's answer for a config that cannot be updated dynamically) naming the configs; an empty
//   change list succeeds. BROKER_LOGGER and other types are INVALID_REQUEST too.
import type {
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsRequestAlterConfigsResource,
  IncrementalAlterConfigsResponse,
  IncrementalAlterConfigsResponseAlterConfigsResourceResponse,
} from '../../protocol/generated/incremental-alter-configs.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { Input } from '../../protocol/runtime/types.js';
import { UnknownTopicError } from '../metadata/metadata-store.js';
import type { TopicState } from '../log/log-manager.js';
import { brokerTopicDefaults, configDefinition, parseListValue, validateTopicConfigs } from '../log/topic-config.js';
import { validateTopicName } from '../log/topic-name.js';
import type { ApiHandler, RequestContext } from './context.js';
import { RESOURCE_TYPE, brokerResourceError } from './describe-configs.js';

/** Kafka's AlterConfigOp.OpType codes. */
export const CONFIG_OPERATION = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

/** What an alter request's resource resolves to: a topic to change, nothing to do, or an error. */
export type AlterTarget = { topic: TopicState } | { noop: true } | { errorCode: number; errorMessage: string };

/**
 * Resolves the resource of an AlterConfigs or IncrementalAlterConfigs request. `configNames` are
 * the configs the request would change (a broker resource accepts none).
 */
export function resolveAlterTarget(ctx: RequestContext, resourceType: number, resourceName: string, configNames: string[]): AlterTarget {
  switch (resourceType) {
    case RESOURCE_TYPE.TOPIC: {
      const invalid = validateTopicName(resourceName);
      if (invalid) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: invalid };
      const topic = ctx.logs.topic(resourceName);
      if (!topic) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${resourceName}' does not exist.` };
      return { topic };
    }
    case RESOURCE_TYPE.BROKER: {
      const err = brokerResourceError(ctx, resourceName);
      if (err) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: err };
      if (configNames.length === 0) return { noop: true };
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `Cannot update these configs dynamically: ${configNames.join(', ')}. StreamHouse has no dynamic broker configs; set them with the broker's flags or environment.`,
      };
    }
    case RESOURCE_TYPE.BROKER_LOGGER:
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Changing broker log levels at runtime is not supported; use --log-level.' };
    default:
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type: ${resourceType}` };
  }
}

const configLocks = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` after every earlier config change of the same topic on this broker: alterations read,
 * modify and write the whole override map, so two at once would lose one.
 */
export function withTopicConfigLock<T>(topic: string, fn: () => Promise<T>): Promise<T> {
  const previous = configLocks.get(topic) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.catch(() => undefined);
  configLocks.set(topic, tail);
  void tail.then(() => {
    if (configLocks.get(topic) === tail) configLocks.delete(topic);
  });
  return run;
}

/** Stores `configs` as the topic's overrides (unless validateOnly); the error, or null. */
export async function storeTopicConfigs(ctx: RequestContext, topic: string, configs: Record<string, string>, validateOnly: boolean): Promise<AlterError | null> {
  const invalid = validateTopicConfigs(configs);
  if (invalid) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Invalid config for topic ${topic}: ${invalid}` };
  if (validateOnly) return null;
  try {
    await ctx.logs.setTopicConfigs(topic, configs);
  } catch (err) {
    if (err instanceof UnknownTopicError) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${topic}' does not exist.` };
    ctx.log.error({ err, topic }, 'storing topic configs failed');
    return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'Storing the configs failed; see the broker log.' };
  }
  ctx.log.info({ topic, configs }, 'altered topic configs');
  return null;
}

interface AlterError {
  errorCode: number;
  errorMessage: string;
}

/** Applies the operations to the topic's current overrides; the new overrides or an error. */
function applyOperations(
  ctx: RequestContext,
  topic: TopicState,
  ops: IncrementalAlterConfigsRequestAlterConfigsResource['configs'],
): { configs: Record<string, string> } | { error: AlterError } {
  const next: Record<string, string> = { ...topic.record.configs };
  const brokerDefaults = brokerTopicDefaults(ctx.config);
  for (const op of ops) {
    const known = Object.values(CONFIG_OPERATION) as number[];
    if (!known.includes(op.configOperation)) {
      return { error: { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown alter config operation ${op.configOperation} for ${op.name}` } };
    }
    const def = configDefinition(op.name);
    if (op.configOperation === CONFIG_OPERATION.DELETE) {
      delete next[op.name];
      continue;
    }
    if (!def) return { error: { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Unknown topic config name: ${op.name}` } };
    if (op.value === null) return { error: { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Null value not supported for : ${op.name}` } };
    if (op.configOperation === CONFIG_OPERATION.SET) {
      next[op.name] = op.value;
      continue;
    }
    const verb = op.configOperation === CONFIG_OPERATION.APPEND ? 'append' : 'subtract';
    if (def.type !== 'LIST') return { error: { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Config value ${verb} is not allowed for config key: ${op.name}` } };
    const current = parseListValue(next[op.name] ?? brokerDefaults[op.name] ?? def.default);
    const items = parseListValue(op.value);
    const result = verb === 'append' ? [...current, ...items.filter((i, k) => !current.includes(i) && items.indexOf(i) === k)] : current.filter((i) => !items.includes(i));
    next[op.name] = result.join(',');
  }
  return { configs: next };
}

type Result = Input<IncrementalAlterConfigsResponseAlterConfigsResourceResponse>;

async function alterOne(ctx: RequestContext, resource: IncrementalAlterConfigsRequestAlterConfigsResource, validateOnly: boolean): Promise<Result> {
  const { resourceType, resourceName } = resource;
  const done = (error: AlterError | null): Result =>
    error ? { ...error, resourceType, resourceName } : { errorCode: ErrorCode.NONE, errorMessage: null, resourceType, resourceName };

  const names = resource.configs.map((c) => c.name);
  const duplicates = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (duplicates.length > 0) return done({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Error due to duplicate config keys: ${duplicates.join(', ')}` });

  const target = resolveAlterTarget(ctx, resourceType, resourceName, names);
  if ('errorCode' in target) return done(target);
  if ('noop' in target) return done(null);
  return withTopicConfigLock(resourceName, async () => {
    const current = ctx.logs.topic(resourceName) ?? target.topic;
    const next = applyOperations(ctx, current, resource.configs);
    if ('error' in next) return done(next.error);
    return done(await storeTopicConfigs(ctx, resourceName, next.configs, validateOnly));
  });
}

interface ConfigResource {
  resourceType: number;
  resourceName: string;
}

/** The shape of both APIs' per-resource responses (as encoder input: defaults may be left out). */
interface ResourceResult {
  errorCode?: number;
  errorMessage?: string | null;
  resourceType?: number;
  resourceName?: string;
}

/**
 * Alters each resource in request order. A resource named more than once is not altered at all and
 * gets one INVALID_REQUEST result, as Kafka answers both AlterConfigs and IncrementalAlterConfigs.
 */
export async function alterEachResource<R extends ConfigResource>(
  resources: readonly R[],
  alterOne: (resource: R) => Promise<ResourceResult>,
): Promise<ResourceResult[]> {
  const keys = resources.map((r) => `${r.resourceType}:${r.resourceName}`);
  const dupes = new Set(keys.filter((k, i) => keys.indexOf(k) !== i));
  const reported = new Set<string>();
  const results: ResourceResult[] = [];
  for (const [i, r] of resources.entries()) {
    const key = keys[i];
    if (!dupes.has(key)) results.push(await alterOne(r));
    else if (!reported.has(key)) {
      reported.add(key);
      results.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate resource in request.', resourceType: r.resourceType, resourceName: r.resourceName });
    }
  }
  return results;
}

export const incrementalAlterConfigsHandler: ApiHandler<IncrementalAlterConfigsRequest, Input<IncrementalAlterConfigsResponse>> = {
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, request) {
    const responses = await alterEachResource(request.resources, (r) => alterOne(ctx, r, request.validateOnly));
    return { throttleTimeMs: 0, responses };
  },
};
