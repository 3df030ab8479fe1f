// SyncGroup: v0–5.
// Version notes:
// * v1 adds throttleTimeMs to the response; v2 = v1.
// * v3 adds groupInstanceId (static membership, KIP-345).
// * v4 is the first flexible version.
// * v5: the client sends protocolType and protocolName and the broker checks them against the
//   group (KIP-559); they are mandatory there, and a v5 request without them is
//   INCONSISTENT_GROUP_PROTOCOL, as Kafka's SyncGroupRequest.areMandatoryProtocolTypeAndNamePresent.
//   The response echoes the group's protocolType/protocolName from v5.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { SyncGroupRequest, SyncGroupResponse } from '../../protocol/generated/sync-group.js';
import type { Input } from '../../protocol/runtime/types.js';
import type { ApiHandler } from './context.js';

export const syncGroupHandler: ApiHandler<SyncGroupRequest, Input<SyncGroupResponse>> = {
  apiKey: ApiKey.SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request, version) {
    if (version >= 5 && (request.protocolType === null || request.protocolName === null)) {
      return { errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL, assignment: Buffer.alloc(0) };
    }
    const result = await ctx.groups.sync({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: version >= 3 ? request.groupInstanceId : null,
      protocolType: version >= 5 ? request.protocolType : null,
      protocolName: version >= 5 ? request.protocolName : null,
      assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
    });
    return {
      errorCode: result.errorCode,
      ...(version >= 5 ? { protocolType: result.protocolType, protocolName: result.protocolName } : {}),
      assignment: result.assignment,
    };
  },
};
