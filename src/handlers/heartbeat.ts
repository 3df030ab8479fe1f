// Heartbeat: v0–4.
// Version notes:
// * v1 adds throttleTimeMs to the response; v2 = v1.
// * v3 adds groupInstanceId (static membership, KIP-345).
// * v4 is the first flexible version.
// REBALANCE_IN_PROGRESS tells a member to rejoin; the coordinator also answers it while the group
// completes a rebalance, as Kafka does.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { HeartbeatRequest, HeartbeatResponse } from '../../protocol/generated/heartbeat.js';
import type { Input } from '../../protocol/runtime/types.js';
import type { ApiHandler } from './context.js';

export const heartbeatHandler: ApiHandler<HeartbeatRequest, Input<HeartbeatResponse>> = {
  apiKey: ApiKey.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request, version) {
    const errorCode = ctx.groups.heartbeat({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: version >= 3 ? request.groupInstanceId : null,
    });
    return { errorCode };
  },
};
