/**
 * Incremental framing of the Kafka wire: each frame is an int32 size followed by that many bytes.
 * A frame gets a buffer of exactly its size as soon as its size is read. Bytes pushed are copied
 * into it, so the caller may reuse a chunk's memory at once; or the caller reads straight into
 * the frame's unfilled `tail()` and reports the bytes with `filled()`.
 */
export class FrameTooLargeError extends Error {
  readonly code = 'FRAME_TOO_LARGE';
  constructor(readonly size: number, readonly limit: number) {
    super(`frame of ${size} bytes exceeds socket.request.max.bytes (${limit})`);
    this.name = 'FrameTooLargeError';
  }
}

export class InvalidFrameSizeError extends Error {
  readonly code = 'INVALID_FRAME_SIZE';
  constructor(readonly size: number) {
    super(`invalid frame size ${size}`);
    this.name = 'InvalidFrameSizeError';
  }
}

const SIZE_BYTES = 4;
const EMPTY = Buffer.alloc(0);

export class FrameReader {
  private readonly sizePrefix = Buffer.alloc(SIZE_BYTES);
  private sizeFilled = 0;
  /** The frame being filled, once its size is known. */
  private frame: Buffer | null = null;
  private frameFilled = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes received but not yet handed out as frames. */
  get bufferedBytes(): number {
    return this.sizeFilled + this.frameFilled;
  }

  /**
   * The unfilled end of the frame being received, when at least `minBytes` of it are missing: the
   * next socket read may go straight there (then call `filled`). Null otherwise.
   */
  tail(minBytes: number): Buffer | null {
    if (this.frame === null || this.frame.length - this.frameFilled < minBytes) return null;
    return this.frame.subarray(this.frameFilled);
  }

  /** Counts `n` bytes read into `tail()`; returns the frame when they complete it. */
  filled(n: number): Buffer | null {
    if (this.frame === null || n > this.frame.length - this.frameFilled) throw new RangeError(`${n} bytes filled past the frame`);
    return this.advance(n);
  }

  /** Counts `n` more bytes of the current frame; hands it out when they complete it. */
  private advance(n: number): Buffer | null {
    const frame = this.frame!;
    this.frameFilled += n;
    if (this.frameFilled < frame.length) return null;
    this.frame = null;
    this.frameFilled = 0;
    return frame;
  }

  /**
   * Takes a chunk's bytes (the chunk is not kept) and returns every frame it completes, without
   * size prefixes. Throws FrameTooLargeError / InvalidFrameSizeError as soon as a size prefix is
   * read that breaks the rules, before anything is allocated for that frame.
   */
  push(chunk: Uint8Array): Buffer[] {
    const frames: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.frame === null) {
        let size: number;
        if (this.sizeFilled === 0 && chunk.length - at >= SIZE_BYTES) {
          size = ((chunk[at] << 24) | (chunk[at + 1] << 16) | (chunk[at + 2] << 8) | chunk[at + 3]) | 0;
          at += SIZE_BYTES;
        } else {
          const n = Math.min(SIZE_BYTES - this.sizeFilled, chunk.length - at);
          this.sizePrefix.set(chunk.subarray(at, at + n), this.sizeFilled);
          this.sizeFilled += n;
          at += n;
          if (this.sizeFilled < SIZE_BYTES) break;
          this.sizeFilled = 0;
          size = this.sizePrefix.readInt32BE(0);
        }
        if (size < 0) throw new InvalidFrameSizeError(size);
        if (size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
        if (size === 0) {
          frames.push(EMPTY);
          continue;
        }
        this.frame = Buffer.allocUnsafe(size);
      }
      const n = Math.min(this.frame.length - this.frameFilled, chunk.length - at);
      this.frame.set(chunk.subarray(at, at + n), this.frameFilled);
      at += n;
      const done = this.advance(n);
      if (done !== null) frames.push(done);
    }
    return frames;
  }
}
