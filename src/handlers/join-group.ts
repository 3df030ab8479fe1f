// JoinGroup: v0–9.
// Version notes:
// * v0 has no rebalanceTimeoutMs: the coordinator uses the session timeout (we pass -1, its
//   "not given"). v1 adds it; v2 adds throttleTimeMs to the response; v3 = v2.
// * v4+: a new member (memberId '') first gets MEMBER_ID_REQUIRED with its assigned id and must join
//   again with it (KIP-394) — requireKnownMemberId. Older clients are admitted on the first call.
// * v5 adds groupInstanceId (static membership, KIP-345) to the request and the members list.
// * v6 is the first flexible version. v7 adds protocolType to the response and makes protocolName
//   nullable: below v7 a missing protocol name (errors) is sent as ''.
// * v8 adds the request's reason (KIP-800), only logged by the coordinator.
// * v9 adds skipAssignment: a static leader rejoining a Stable group may be told to skip the
//   assignment; only offered to v9+ clients (supportSkippingAssignment).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { JoinGroupRequest, JoinGroupResponse } from '../../protocol/generated/join-group.js';
import type { Input } from '../../protocol/runtime/types.js';
import type { ApiHandler, RequestContext } from './context.js';

/** Kafka's client host: InetAddress.toString(), i.e. '/' + address. */
export function clientHostOf(ctx: RequestContext): string {
  return `/${ctx.conn.remoteAddress}`;
}

export const joinGroupHandler: ApiHandler<JoinGroupRequest, Input<JoinGroupResponse>> = {
  apiKey: ApiKey.JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, request, version) {
    const result = await ctx.groups.join({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: version >= 5 ? request.groupInstanceId : null,
      clientId: ctx.header.clientId ?? '',
      clientHost: clientHostOf(ctx),
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: version >= 1 ? request.rebalanceTimeoutMs : -1,
      protocolType: request.protocolType,
      protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      requireKnownMemberId: version >= 4,
      supportSkippingAssignment: version >= 9,
      reason: version >= 8 ? request.reason : null,
    });
    return {
      errorCode: result.errorCode,
      generationId: result.generationId,
      ...(version >= 7 ? { protocolType: result.protocolType } : {}),
      protocolName: version >= 7 ? result.protocolName : (result.protocolName ?? ''),
      leader: result.leader,
      ...(version >= 9 ? { skipAssignment: result.skipAssignment } : {}),
      memberId: result.memberId,
      members: result.members.map((m) => ({
        memberId: m.memberId,
        ...(version >= 5 ? { groupInstanceId: m.groupInstanceId } : {}),
        metadata: m.metadata,
      })),
    };
  },
};
