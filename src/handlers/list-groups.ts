// ListGroups: v0–5.
// Version notes:
// * v1 adds throttleTimeMs; v2 = v1; v3 is the first flexible version.
// * v4 adds statesFilter to the request and groupState to each listed group (KIP-518); the filter
//   is matched case-insensitively, empty = every state.
// * v5 adds typesFilter and groupType (KIP-848). Every StreamHouse group is a classic group, so a
//   non-empty typesFilter without 'classic' (case-insensitive, as Kafka) lists nothing.
// Groups known only by committed offsets are listed as Empty (the coordinator consults the store).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { ListGroupsRequest, ListGroupsResponse } from '../../protocol/generated/list-groups.js';
import type { Input } from '../../protocol/runtime/types.js';
import type { ApiHandler } from './context.js';

export const listGroupsHandler: ApiHandler<ListGroupsRequest, Input<ListGroupsResponse>> = {
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request, version) {
    const typesFilter = version >= 5 ? request.typesFilter.map((t) => t.toLowerCase()) : [];
    if (typesFilter.length > 0 && !typesFilter.includes('classic')) return { groups: [] };
    const result = await ctx.groups.listGroups(version >= 4 ? request.statesFilter : []);
    return {
      errorCode: result.errorCode,
      groups: result.groups.map((g) => ({
        groupId: g.groupId,
        protocolType: g.protocolType,
        ...(version >= 4 ? { groupState: g.state } : {}),
        ...(version >= 5 ? { groupType: g.groupType } : {}),
      })),
    };
  },
};
