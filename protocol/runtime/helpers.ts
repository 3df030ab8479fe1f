// Small helpers shared by the generated codecs. Kept here (not generated) so the generated files
// stay short and every one of them behaves the same way.

/** Default value of non-nullable `bytes` fields. Zero-length, so sharing one instance is harmless. */
export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);

/** Default value of `uuid` fields. */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * A non-default value was given for a non-ignorable field that does not exist in the version being
 * written. Kafka's Java encoder throws UnsupportedVersionException here: silently dropping the value
 * would change the meaning of the message. This is a programming error, hence a plain Error and not
 * a DecodeError.
 */
export function fieldNotInVersion(message: string, field: string, version: number): Error {
  return new Error(`${message}.${field} is not supported in version ${version}, but a non-default value was given`);
}

/** null was given for a field that is not nullable in the version being written (a programming error). */
export function nullNotAllowed(message: string, field: string, version: number): Error {
  return new Error(`${message}.${field} is not nullable in version ${version}, but null was given`);
}
