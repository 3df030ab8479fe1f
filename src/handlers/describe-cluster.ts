// DescribeCluster: v0–1.
// Version notes:
// * v0 is flexible; v1 adds endpointType (KIP-919): 1 = brokers is served; 2 = controllers is
//   MISMATCHED_ENDPOINT_TYPE (we are a broker endpoint, as Kafka answers); any other value is
//   UNSUPPORTED_ENDPOINT_TYPE (INVALID_REQUEST at v0, which cannot name one), as Kafka.
// * One node: it is the controller and the only broker.
// * clusterAuthorizedOperations is "not provided" (-2147483648) unless asked for; then every
//   cluster operation, as Kafka reports without an authorizer.
import type { DescribeClusterRequest, DescribeClusterResponse } from '../../protocol/generated/describe-cluster.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { Input } from '../../protocol/runtime/types.js';
import type { ApiHandler } from './context.js';

const ENDPOINT_BROKERS = 1;
const ENDPOINT_CONTROLLERS = 2;

/** Kafka's AclOperation codes supported on the CLUSTER resource. */
const CLUSTER_OPERATIONS = {
  CREATE: 5,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
} as const;

/** The 32-bit field of operations on the cluster (no authorizer: all of them). */
export const CLUSTER_AUTHORIZED_OPERATIONS = Object.values(CLUSTER_OPERATIONS).reduce((bits, op) => bits | (1 << op), 0);

/** "Authorized operations not requested". */
const NOT_PROVIDED = -2147483648;

export const describeClusterHandler: ApiHandler<DescribeClusterRequest, Input<DescribeClusterResponse>> = {
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, request, version) {
    const endpointType = version >= 1 ? request.endpointType : ENDPOINT_BROKERS;
    if (endpointType !== ENDPOINT_BROKERS) {
      const errorCode =
        version === 0 ? ErrorCode.INVALID_REQUEST : endpointType === ENDPOINT_CONTROLLERS ? ErrorCode.MISMATCHED_ENDPOINT_TYPE : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE;
      const errorMessage =
        endpointType === ENDPOINT_CONTROLLERS
          ? 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER'
          : `Unsupported endpoint type ${endpointType}`;
      return { throttleTimeMs: 0, errorCode, errorMessage, clusterId: ctx.identity.clusterId, controllerId: -1, brokers: [] };
    }
    const { nodeId, host, port, rack, clusterId } = ctx.identity;
    const response: Input<DescribeClusterResponse> = {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      clusterId,
      controllerId: nodeId,
      brokers: [{ brokerId: nodeId, host, port, rack }],
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_AUTHORIZED_OPERATIONS : NOT_PROVIDED,
    };
    if (version >= 1) response.endpointType = ENDPOINT_BROKERS;
    return response;
  },
};
