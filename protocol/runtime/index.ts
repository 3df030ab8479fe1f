export { DecodeError } from './decode-error.js';
export type { DecodeErrorCode } from './decode-error.js';
export { Reader } from './reader.js';
export { Writer, ZERO_COPY_THRESHOLD } from './writer.js';
export type { Int32Slot } from './writer.js';
export type { Input } from './types.js';
export { EMPTY_BUFFER, ZERO_UUID, fieldNotInVersion, nullNotAllowed } from './helpers.js';
export { ByteChunks } from './byte-chunks.js';
