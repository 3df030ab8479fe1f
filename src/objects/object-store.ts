/**
 * Where segment bytes live. Two implementations: a local directory (the embedded default) and
 * S3-compatible storage. Both pass the same contract suite (test/objects/object-store.contract.ts).
 *
 * Keys are '/'-separated relative paths such as `objects/0000000000001234-ab12.obj` or
 * `orders/3/seg_00000000000000001000.bin`. A key never starts with '/' and never contains '..'.
 */
export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Number of bytes to read. */
  length: number;
}

export interface ObjectInfo {
  key: string;
  size: number;
}

export interface ObjectStore {
  /** Human-readable description for logs, e.g. `dir:/tmp/sh/objects` or `s3://bucket@endpoint`. */
  readonly description: string;
  /**
   * Stores the object durably: when the promise resolves, the bytes survive a process crash
   * (directory: written to a temp file, fsynced, renamed, directory fsynced). Overwrites.
   * `body` may be several buffers that are stored back to back, so callers need not concatenate.
   */
  put(key: string, body: Buffer | readonly Buffer[]): Promise<void>;
  /** The whole object. Rejects with ObjectNotFoundError when absent. */
  get(key: string): Promise<Buffer>;
  /**
   * `range.length` bytes from `range.start` (fewer past the end). Rejects with ObjectNotFoundError
   * when absent. With `into` (at least `range.length` bytes) the bytes land in it and the result
   * is a view of it: a caller that reads often can reuse one buffer instead of allocating each time.
   */
  getRange(key: string, range: ByteRange, into?: Buffer): Promise<Buffer>;
  /** Removes the object; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Releases sockets and handles. */
  close(): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  readonly code = 'OBJECT_NOT_FOUND';
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
    this.name = 'ObjectNotFoundError';
  }
}
