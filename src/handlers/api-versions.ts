// ApiVersions: v0–4.
// Version notes:
// * v1 adds ThrottleTimeMs; v3 is flexible and the request names the client software (KIP-511);
//   v3+ responses may carry features (none here). The response header is always v0, so a client
//   can read it before it knows what we support.
// * A request in a version newer than ours is answered by the dispatcher with UNSUPPORTED_VERSION
//   in a v0 body that still lists our ranges, so the client can retry lower.
import type { ApiVersionsRequest, ApiVersionsResponse } from '../../protocol/generated/api-versions.js';
import type { Input } from '../../protocol/runtime/types.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { ApiHandler } from './context.js';

export interface VersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** The ApiVersions response body advertising exactly `ranges`. */
export function apiVersionsBody(ranges: readonly VersionRange[], errorCode: number): Input<ApiVersionsResponse> {
  return {
    errorCode,
    apiKeys: ranges.map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion })),
    throttleTimeMs: 0,
  };
}

/** ApiVersions, advertising the ranges of the handlers it is given (the registry). */
export function apiVersionsHandler(ranges: () => readonly VersionRange[]): ApiHandler<ApiVersionsRequest, Input<ApiVersionsResponse>> {
  return {
    apiKey: ApiKey.ApiVersions,
    minVersion: 0,
    maxVersion: 4,
    async handle() {
      return apiVersionsBody(ranges(), ErrorCode.NONE);
    },
  };
}
