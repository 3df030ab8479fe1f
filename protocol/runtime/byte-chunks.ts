/**
 * A byte field held as several Buffers that are written back to back, by reference. Encoders
 * accept it wherever they accept a Buffer for `bytes`/`records` (see Input<T>), so a Fetch response
 * can carry record batches from several cached segments without concatenating them first.
 */
export class ByteChunks {
  readonly length: number;

  constructor(readonly chunks: readonly Buffer[]) {
    let n = 0;
    for (const c of chunks) n += c.length;
    this.length = n;
  }

  /** One Buffer with all the bytes (copies when there is more than one chunk). */
  toBuffer(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks as Buffer[], this.length);
  }
}
