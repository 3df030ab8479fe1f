// LeaveGroup: v0–5.
// Version notes:
// * v0–2 carry one memberId and answer one errorCode: the top-level error when there is one, else
//   the member's (Kafka's LeaveGroupResponse for old versions). v1 adds throttleTimeMs; v2 = v1.
// * v3 batches members (memberId + groupInstanceId, KIP-345): per-member errors in `members`, the
//   top-level errorCode only for group-level errors. A memberId of '' with a groupInstanceId removes
//   a static member by its instance id (admin removal).
// * v4 is the first flexible version; v5 adds a per-member reason (KIP-800).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/generated/leave-group.js';
import type { Input } from '../../protocol/runtime/types.js';
import type { ApiHandler } from './context.js';

export const leaveGroupHandler: ApiHandler<LeaveGroupRequest, Input<LeaveGroupResponse>> = {
  apiKey: ApiKey.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request, version) {
    if (version <= 2) {
      const result = ctx.groups.leave({
        groupId: request.groupId,
        members: [{ memberId: request.memberId, groupInstanceId: null }],
      });
      const memberError = result.members[0]?.errorCode ?? ErrorCode.NONE;
      return { errorCode: result.errorCode !== ErrorCode.NONE ? result.errorCode : memberError };
    }
    const result = ctx.groups.leave({
      groupId: request.groupId,
      members: request.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        reason: version >= 5 ? m.reason : null,
      })),
    });
    return {
      errorCode: result.errorCode,
      members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: m.errorCode })),
    };
  },
};
