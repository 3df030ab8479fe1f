// AlterConfigs (legacy): v0–2.
// Version notes:
// * v1 is v0; v2 is flexible.
// * Full-replace semantics, as Kafka: a TOPIC resource's overrides become exactly the configs
//   given (a config left out returns to its default). Null values are INVALID_REQUEST; invalid or
//   unknown configs INVALID_CONFIG; validateOnly checks and changes nothing.
// * BROKER resources: dynamic broker configs are not supported (INVALID_REQUEST naming the
//   configs; an empty list, which would clear dynamic configs, succeeds). Other types: INVALID_REQUEST.
import type {
  AlterConfigsRequest,
  AlterConfigsRequestAlterConfigsResource,
  AlterConfigsResponse,
  AlterConfigsResponseAlterConfigsResourceResponse,
} from '../../protocol/generated/alter-configs.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { Input } from '../../protocol/runtime/types.js';
import type { ApiHandler, RequestContext } from './context.js';
import { alterEachResource, resolveAlterTarget, storeTopicConfigs, withTopicConfigLock } from './incremental-alter-configs.js';

type Result = Input<AlterConfigsResponseAlterConfigsResourceResponse>;

async function alterOne(ctx: RequestContext, resource: AlterConfigsRequestAlterConfigsResource, validateOnly: boolean): Promise<Result> {
  const { resourceType, resourceName } = resource;
  const done = (error: { errorCode: number; errorMessage: string } | null): Result =>
    error ? { ...error, resourceType, resourceName } : { errorCode: ErrorCode.NONE, errorMessage: null, resourceType, resourceName };

  const names = resource.configs.map((c) => c.name);
  const duplicates = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (duplicates.length > 0) return done({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Error due to duplicate config keys: ${duplicates.join(', ')}` });

  const target = resolveAlterTarget(ctx, resourceType, resourceName, names);
  if ('errorCode' in target) return done(target);
  if ('noop' in target) return done(null);

  const nulls = resource.configs.filter((c) => c.value === null).map((c) => c.name);
  if (nulls.length > 0) return done({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Null value not supported for topic configs: ${nulls.join(', ')}` });
  const configs: Record<string, string> = {};
  for (const c of resource.configs) configs[c.name] = c.value!;
  return withTopicConfigLock(resourceName, async () => done(await storeTopicConfigs(ctx, resourceName, configs, validateOnly)));
}

export const alterConfigsHandler: ApiHandler<AlterConfigsRequest, Input<AlterConfigsResponse>> = {
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const responses = await alterEachResource(request.resources, (r) => alterOne(ctx, r, request.validateOnly));
    return { throttleTimeMs: 0, responses };
  },
};
