// Typed errors of the record-batch layer. Every malformed input that reaches protocol/records ends in
// a RecordsError (never a RangeError or a codec library's own error), so a handler can map it to a
// Kafka error code with one `instanceof` check.

export const RecordsErrorCode = {
  /** magic 0/1 (legacy message set): recognised, not supported. `magic` is set. */
  LEGACY_MAGIC: 'LEGACY_MAGIC',
  /** magic byte other than 0, 1, 2. `magic` is set. */
  UNKNOWN_MAGIC: 'UNKNOWN_MAGIC',
  /** batchLength negative, smaller than a v2 header, or past a configured maximum. */
  INVALID_BATCH_LENGTH: 'INVALID_BATCH_LENGTH',
  /** the buffer ends inside a batch (or inside its header). */
  TRUNCATED: 'TRUNCATED',
  /** the CRC-32C stored in the batch does not match its bytes. */
  CRC_MISMATCH: 'CRC_MISMATCH',
  /** attributes name a compression codec other than 0..4. */
  UNKNOWN_COMPRESSION: 'UNKNOWN_COMPRESSION',
  /** the codec rejected the compressed payload (bad framing, bad checksum, truncated stream). */
  CORRUPT_COMPRESSED: 'CORRUPT_COMPRESSED',
  /** decompression would produce more bytes than the configured limit (zip bomb guard). */
  DECOMPRESSED_TOO_LARGE: 'DECOMPRESSED_TOO_LARGE',
  /** a record inside a batch is malformed (bad varint, size, count, trailing bytes). */
  INVALID_RECORD: 'INVALID_RECORD',
  /** a control record's key/value is not the documented layout. */
  INVALID_CONTROL_RECORD: 'INVALID_CONTROL_RECORD',
  /** the caller asked for something the encoder cannot represent (builder input out of range). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
} as const;
export type RecordsErrorCode = (typeof RecordsErrorCode)[keyof typeof RecordsErrorCode];

/**
 * The Kafka error a broker should answer with, by name (protocol/generated/error-codes.ts maps names
 * to numbers). Chosen after Java Kafka's behaviour:
 * - framing/CRC problems are CorruptRecordException → CORRUPT_MESSAGE (2, retriable: a resend may fix
 *   transport corruption);
 * - a well-framed batch whose records are malformed, or a legacy magic in a v3+ produce
 *   (ProduceRequest.validateRecords), is InvalidRecordException → INVALID_RECORD (87, not retriable);
 * - an unknown codec id → UNSUPPORTED_COMPRESSION_TYPE (76);
 * - a decompression bomb → MESSAGE_TOO_LARGE (10): the Java producer reacts by splitting the batch.
 */
export type RecordsKafkaError =
  | 'CORRUPT_MESSAGE'
  | 'INVALID_RECORD'
  | 'UNSUPPORTED_COMPRESSION_TYPE'
  | 'MESSAGE_TOO_LARGE';

const KAFKA_ERROR: Record<RecordsErrorCode, RecordsKafkaError> = {
  LEGACY_MAGIC: 'INVALID_RECORD',
  UNKNOWN_MAGIC: 'CORRUPT_MESSAGE',
  INVALID_BATCH_LENGTH: 'CORRUPT_MESSAGE',
  TRUNCATED: 'CORRUPT_MESSAGE',
  CRC_MISMATCH: 'CORRUPT_MESSAGE',
  UNKNOWN_COMPRESSION: 'UNSUPPORTED_COMPRESSION_TYPE',
  CORRUPT_COMPRESSED: 'CORRUPT_MESSAGE',
  DECOMPRESSED_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  INVALID_RECORD: 'INVALID_RECORD',
  INVALID_CONTROL_RECORD: 'INVALID_RECORD',
  INVALID_ARGUMENT: 'INVALID_RECORD',
};

export interface RecordsErrorDetails {
  /** byte position (within the buffer handed to the failing function) where the problem was found */
  position?: number;
  /** the magic byte seen, for LEGACY_MAGIC / UNKNOWN_MAGIC */
  magic?: number;
  /** codec involved, for compression errors */
  codec?: string;
  /** underlying library error, kept for logs */
  cause?: unknown;
}

export class RecordsError extends Error {
  override readonly name = 'RecordsError';
  readonly code: RecordsErrorCode;
  readonly kafkaError: RecordsKafkaError;
  readonly position: number | undefined;
  readonly magic: number | undefined;
  readonly codec: string | undefined;

  constructor(code: RecordsErrorCode, message: string, details: RecordsErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.kafkaError = KAFKA_ERROR[code];
    this.position = details.position;
    this.magic = details.magic;
    this.codec = details.codec;
  }
}

export function isRecordsError(e: unknown): e is RecordsError {
  return e instanceof RecordsError;
}
