/**
 * The handlers for consumer groups, committed offsets and producer ids, for the registry.
 * Each handler keeps its precise request/response types in its own file; here they are erased to
 * `ApiHandler<never, unknown>` (the registry's AnyHandler) so that one array can hold them all: the
 * dispatcher decodes the body for the api key and version, so the request it passes always has the
 * handler's type.
 */
import type { ApiHandler } from './context.js';
import { deleteGroupsHandler } from './delete-groups.js';
import { describeGroupsHandler } from './describe-groups.js';
import { findCoordinatorHandler } from './find-coordinator.js';
import { heartbeatHandler } from './heartbeat.js';
import { initProducerIdHandler } from './init-producer-id.js';
import { joinGroupHandler } from './join-group.js';
import { leaveGroupHandler } from './leave-group.js';
import { listGroupsHandler } from './list-groups.js';
import { offsetCommitHandler } from './offset-commit.js';
import { offsetDeleteHandler } from './offset-delete.js';
import { offsetFetchHandler } from './offset-fetch.js';
import { syncGroupHandler } from './sync-group.js';

/** Erases a handler's request/response types (no cast needed: `never` is assignable to any request). */
export function asHandler<Req, Res>(handler: ApiHandler<Req, Res>): ApiHandler<never, unknown> {
  return handler;
}

/** In api key order: OffsetCommit 8 … OffsetDelete 47. */
export const groupHandlers: readonly ApiHandler<never, unknown>[] = [
  asHandler(offsetCommitHandler),
  asHandler(offsetFetchHandler),
  asHandler(findCoordinatorHandler),
  asHandler(joinGroupHandler),
  asHandler(heartbeatHandler),
  asHandler(leaveGroupHandler),
  asHandler(syncGroupHandler),
  asHandler(describeGroupsHandler),
  asHandler(listGroupsHandler),
  asHandler(initProducerIdHandler),
  asHandler(deleteGroupsHandler),
  asHandler(offsetDeleteHandler),
];

export {
  deleteGroupsHandler,
  describeGroupsHandler,
  findCoordinatorHandler,
  heartbeatHandler,
  initProducerIdHandler,
  joinGroupHandler,
  leaveGroupHandler,
  listGroupsHandler,
  offsetCommitHandler,
  offsetDeleteHandler,
  offsetFetchHandler,
  syncGroupHandler,
};
