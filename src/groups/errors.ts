/**
 * The coordinator answers with Kafka's error codes. They come from the one table generated from
 * Kafka's errors.json (a data module of the sans-io protocol package), under the name the group
 * code has always used.
 */
import { ErrorCode, type ErrorCodeValue } from '../../protocol/generated/error-codes.js';

export const GroupErrorCode = ErrorCode;
export type GroupErrorCode = ErrorCodeValue;
