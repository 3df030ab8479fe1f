import type { ByteChunks } from './byte-chunks.js';

/**
 * `Input<T>`: what encoders accept. Every property of every struct is optional, recursively;
 * a missing property is written as its schema default. Leaves (Buffer, bigint, primitives, null)
 * are kept as they are; arrays map their elements (readonly arrays are accepted too).
 *
 * Buffer is tested first because it is an object (a Uint8Array) that must not be mapped; a Buffer
 * field also accepts ByteChunks (several Buffers written back to back, by reference).
 */
export type Input<T> = T extends Buffer
  ? T | ByteChunks
  : T extends bigint | string | number | boolean | null | undefined
  ? T
  : T extends readonly (infer E)[]
    ? readonly Input<E>[]
    : { [K in keyof T]?: Input<T[K]> };
