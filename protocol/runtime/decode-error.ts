/**
 * The only exception the protocol decoders throw. Everything read from the network is untrusted:
 * any malformed, truncated or hostile input must end up here (never as a RangeError or TypeError),
 * so that the server can answer or close the connection deliberately instead of crashing.
 */
export type DecodeErrorCode =
  /** The input ended before the value being read. */
  | 'TRUNCATED'
  /** A length prefix is negative (other than the null marker) or inconsistent with its content. */
  | 'INVALID_LENGTH'
  /** An unsigned varint longer than 5 bytes / above 2^32-1, or a varlong longer than 10 bytes. */
  | 'VARINT_TOO_LONG'
  /** A request names an API key we have no schema for. */
  | 'UNKNOWN_API'
  /** A request names a version outside the API's valid range. */
  | 'UNSUPPORTED_VERSION'
  /** A value that is well-formed but not allowed here (e.g. null in a non-nullable field). */
  | 'INVALID_VALUE';

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  readonly code: DecodeErrorCode;

  constructor(code: DecodeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
