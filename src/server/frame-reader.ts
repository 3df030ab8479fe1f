/**
 * Incremental framing of the Kafka wire: each frame is an int32 size followed by that many bytes.
 * Chunks from the socket are kept until a whole frame is present; a frame is handed out as one
 * Buffer (a view when it sits inside one chunk, else one copy of exactly its bytes).
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

const EMPTY = Buffer.alloc(0);

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being assembled, or -1 while its size prefix is incomplete. */
  private pendingSize = -1;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes received but not yet handed out as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Adds a chunk and returns every frame it completes (without size prefixes). Throws
   * FrameTooLargeError / InvalidFrameSizeError as soon as a size prefix is read that breaks the
   * rules, before any of that frame's bytes are buffered beyond what already arrived.
   */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Buffer[] = [];
    for (;;) {
      if (this.pendingSize < 0) {
        if (this.buffered < 4) break;
        const size = this.take(4).readInt32BE(0);
        if (size < 0) throw new InvalidFrameSizeError(size);
        if (size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
        this.pendingSize = size;
      }
      if (this.buffered < this.pendingSize) break;
      frames.push(this.take(this.pendingSize));
      this.pendingSize = -1;
    }
    return frames;
  }

  /** Removes and returns the next n buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    if (n === 0) return EMPTY;
    const first = this.chunks[0];
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0];
      const need = n - filled;
      if (c.length <= need) {
        c.copy(out, filled);
        filled += c.length;
        this.chunks.shift();
      } else {
        c.copy(out, filled, 0, need);
        this.chunks[0] = c.subarray(need);
        filled += need;
      }
    }
    this.buffered -= n;
    return out;
  }
}
