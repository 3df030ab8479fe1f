/**
 * Kafka error codes used by the idempotent-producer state and InitProducerId: the one table
 * generated from Kafka's errors.json, under the name the producer code has always used.
 */
import { ErrorCode, type ErrorCodeValue } from '../../protocol/generated/error-codes.js';

export const ProducerErrorCode = ErrorCode;
export type ProducerErrorCode = ErrorCodeValue;
