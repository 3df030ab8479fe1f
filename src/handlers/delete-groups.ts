// DeleteGroups: v0–2.
// Version notes:
// * v1 = v0 (throttling before the response); v2 is the first flexible version.
// Per group: NON_EMPTY_GROUP while it has members or is rebalancing, GROUP_ID_NOT_FOUND when it has
// neither members nor committed offsets, otherwise the group and its offsets are deleted. Duplicate
// names are answered once. The empty group id is accepted (Kafka's backwards compatibility).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/generated/delete-groups.js';
import type { Input } from '../../protocol/runtime/types.js';
import type { ApiHandler } from './context.js';

export const deleteGroupsHandler: ApiHandler<DeleteGroupsRequest, Input<DeleteGroupsResponse>> = {
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const results = await ctx.groups.deleteGroups(request.groupsNames);
    return { results: results.map((r) => ({ groupId: r.groupId, errorCode: r.errorCode })) };
  },
};
