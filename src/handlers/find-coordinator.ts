// FindCoordinator: v0–6.
// Version notes:
// * v0 has only `key` (a group id); v1 adds `keyType` (0 group, 1 transaction) and, with the
//   response's throttleTimeMs, errorMessage; v2 is v1; v3 is the first flexible version.
// * v4 batches: `coordinatorKeys` in, one `coordinators` entry per key out (KIP-699); the single
//   key/error/node fields are gone. v5 may answer TRANSACTION_ABORTABLE (KIP-890), which we never do.
// * v6 adds key type 2 (share groups, KIP-932), which StreamHouse does not serve: INVALID_REQUEST.
// Every broker is the coordinator of every group and every transactional id (group state is in
// memory, offsets in the shared metadata store), so the answer is always this node. As in Kafka,
// the key itself is not validated: the empty group id is legal for the offset APIs (Kafka keeps
// it for backwards compatibility), and the APIs that refuse it say so themselves.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type {
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  FindCoordinatorResponseCoordinator,
} from '../../protocol/generated/find-coordinator.js';
import type { Input } from '../../protocol/runtime/types.js';
import type { ApiHandler, BrokerIdentity } from './context.js';

/** CoordinatorType ids this broker serves. */
export const CoordinatorKeyType = { Group: 0, Transaction: 1 } as const;

interface Answer {
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

function coordinatorFor(identity: BrokerIdentity, keyType: number): Answer {
  if (keyType !== CoordinatorKeyType.Group && keyType !== CoordinatorKeyType.Transaction) {
    // Kafka's CoordinatorType.forId throws InvalidRequestException; Node.noNode is (-1, '', -1).
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unsupported coordinator key type ${keyType}`, nodeId: -1, host: '', port: -1 };
  }
  return { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: identity.nodeId, host: identity.host, port: identity.port };
}

export const findCoordinatorHandler: ApiHandler<FindCoordinatorRequest, Input<FindCoordinatorResponse>> = {
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, request, version) {
    const keyType = version >= 1 ? request.keyType : CoordinatorKeyType.Group;
    if (version >= 4) {
      const coordinators: Input<FindCoordinatorResponseCoordinator>[] = request.coordinatorKeys.map((key) => ({
        key,
        ...coordinatorFor(ctx.identity, keyType),
      }));
      return { coordinators };
    }
    const answer = coordinatorFor(ctx.identity, keyType);
    return {
      errorCode: answer.errorCode,
      // errorMessage exists from v1 (ignorable, so it would be dropped anyway; kept explicit).
      ...(version >= 1 ? { errorMessage: answer.errorMessage } : {}),
      nodeId: answer.nodeId,
      host: answer.host,
      port: answer.port,
    };
  },
};
