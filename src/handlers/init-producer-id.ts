// InitProducerId: v0–5.
// Version notes:
// * v1 = v0; v2 is the first flexible version.
// * v3 adds producerId/producerEpoch: the client's current pair (KIP-360), -1/-1 when it has none;
//   exactly one of them -1 is INVALID_REQUEST.
// * v4 may answer PRODUCER_FENCED; older clients get INVALID_PRODUCER_EPOCH instead (as Kafka).
// * v5 may answer TRANSACTION_ABORTABLE (KIP-890), which we never do.
// Decisions come from src/producers (initProducerId), which follows Kafka's TransactionCoordinator:
// * An idempotent producer (transactionalId null) always gets a NEW producer id at epoch 0 from the
//   metadata store's sequence, also when it sends its current id/epoch (v3+): Kafka does not bump
//   the epoch of idempotent producers on the broker — KIP-360 recovery for them is client-side
//   (the client bumps its own epoch, or asks for a new id when the epoch is exhausted).
// * Transactions are not supported: no transaction store is given, so a transactional id is
//   refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED (non-retriable; clients fail with a clear
//   authorization error instead of retrying). An empty transactional id is INVALID_REQUEST and a
//   bad transaction timeout INVALID_TRANSACTION_TIMEOUT, checked first, as Kafka.
// * A failing metadata store answers COORDINATOR_NOT_AVAILABLE (retriable).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/generated/init-producer-id.js';
import type { Input } from '../../protocol/runtime/types.js';
import { initProducerId } from '../producers/init-producer-id.js';
import type { ApiHandler } from './context.js';

export const initProducerIdHandler: ApiHandler<InitProducerIdRequest, Input<InitProducerIdResponse>> = {
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request, version) {
    const result = await initProducerId(
      {
        transactionalId: request.transactionalId,
        transactionTimeoutMs: request.transactionTimeoutMs,
        producerId: version >= 3 ? request.producerId : -1n,
        producerEpoch: version >= 3 ? request.producerEpoch : -1,
      },
      { allocateProducerId: () => ctx.metadata.allocateProducerId() },
    );
    const errorCode =
      version < 4 && result.errorCode === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : result.errorCode;
    return { errorCode, producerId: result.producerId, producerEpoch: result.producerEpoch };
  },
};
