// DescribeGroups: v0–5.
// Version notes:
// * v1 adds throttleTimeMs; v2 = v1.
// * v3 adds includeAuthorizedOperations and the per-group authorizedOperations bitfield. There is
//   no authorizer, so when asked we answer what Kafka answers without one: every operation a group
//   supports (READ, DELETE, DESCRIBE); otherwise the "not requested" default INT32_MIN.
// * v4 adds each member's groupInstanceId. v5 is the first flexible version.
// Groups that do not exist are Dead with no error (v6 would say GROUP_ID_NOT_FOUND); groups known
// only by committed offsets are Empty; member metadata/assignment and protocolData are only filled
// in while the group is Stable — all as Kafka, decided by the group coordinator.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/generated/describe-groups.js';
import type { Input } from '../../protocol/runtime/types.js';
import type { ApiHandler } from './context.js';

/** AclOperation codes (Kafka): READ 3, DELETE 6, DESCRIBE 8. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);
/** authorizedOperations when not requested (Kafka's Integer.MIN_VALUE). */
const OPERATIONS_NOT_REQUESTED = -2_147_483_648;

export const describeGroupsHandler: ApiHandler<DescribeGroupsRequest, Input<DescribeGroupsResponse>> = {
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request, version) {
    const described = await ctx.groups.describeGroups(request.groups);
    const operations = version >= 3 && request.includeAuthorizedOperations ? GROUP_OPERATIONS : OPERATIONS_NOT_REQUESTED;
    return {
      groups: described.map((g) => ({
        errorCode: g.errorCode,
        groupId: g.groupId,
        groupState: g.state,
        protocolType: g.protocolType,
        protocolData: g.protocolData,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          ...(version >= 4 ? { groupInstanceId: m.groupInstanceId } : {}),
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: m.metadata,
          memberAssignment: m.assignment,
        })),
        ...(version >= 3 ? { authorizedOperations: operations } : {}),
      })),
    };
  },
};
