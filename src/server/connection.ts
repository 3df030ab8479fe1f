import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { FrameReader } from './frame-reader.js';
import { adoptAcceptedSocket, type ReadTarget } from './socket-reads.js';

/** What a handler may know about the client connection. */
export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/**
 * Turns one request frame into its response. Resolves to the response's chunks (size prefix
 * included) or null when the request gets no response (Produce with acks=0). Rejects with
 * CloseConnectionError when the connection must be closed (an unparseable request header).
 */
export interface RequestDispatcher {
  dispatch(frame: Buffer, conn: ConnectionInfo): Promise<Buffer[] | null>;
}

export class CloseConnectionError extends Error {
  readonly code = 'CLOSE_CONNECTION';
  constructor(message: string) {
    super(message);
    this.name = 'CloseConnectionError';
  }
}

/**
 * Request bytes being worked on across ALL connections. When it is spent, every connection stops
 * reading until responses free some: many clients together cannot push the broker past it.
 */
export class InFlightBudget {
  used = 0;
  private readonly listeners = new Set<() => void>();

  constructor(readonly limit: number) {}

  get exhausted(): boolean {
    return this.used >= this.limit;
  }

  take(n: number): void {
    this.used += n;
  }

  give(n: number): void {
    const wasExhausted = this.exhausted;
    this.used -= n;
    if (wasExhausted && !this.exhausted) for (const l of [...this.listeners]) l();
  }

  onRelease(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface ConnectionLimits {
  /** socket.request.max.bytes: a larger frame closes the connection. */
  maxFrameBytes: number;
  /** Requests being worked on at once before reading from the socket pauses. */
  maxInFlightRequests: number;
  /** Request bytes being worked on at once before reading from the socket pauses. */
  maxInFlightBytes: number;
  /** The budget shared by every connection. */
  budget: InFlightBudget;
}

interface InFlight {
  size: number;
  response: Buffer[] | null | undefined;
  done: boolean;
}

/** A read goes straight into a frame when at least this much of it is still missing. */
export const DIRECT_READ_MIN_BYTES = 8 * 1024;

/**
 * One client connection: frames requests, hands each to the dispatcher as soon as it arrives
 * (pipelining), and writes responses strictly in request order. Reading pauses while too much is
 * in flight or while the socket cannot take more output (a slow reader), so memory stays bounded.
 */
export class Connection implements ConnectionInfo, ReadTarget {
  readonly remoteAddress: string;
  readonly remotePort: number;
  private readonly frames: FrameReader;
  private readonly queue: InFlight[] = [];
  private inFlightBytes = 0;
  private writeBlocked = false;
  private closed = false;
  private readonly closedPromise: Promise<void>;
  private readonly socket: Socket;
  /** The frame tail handed out for the next read, to know a read that went straight into it. */
  private directRead: Buffer | null = null;

  /**
   * `accepted` comes from a server listening with `pauseOnConnect`; reads that do not go straight
   * into a frame land in `sharedReadBuffer`, which other connections use too.
   */
  constructor(
    readonly id: number,
    accepted: Socket,
    private readonly sharedReadBuffer: Buffer,
    private readonly dispatcher: RequestDispatcher,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
  ) {
    this.frames = new FrameReader(limits.maxFrameBytes);
    const socket = adoptAcceptedSocket(accepted, this);
    this.socket = socket;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    this.closedPromise = new Promise((resolve) => socket.once('close', () => resolve()));
    const stopListening = limits.budget.onRelease(() => this.updateFlow());
    socket.on('drain', () => {
      this.writeBlocked = false;
      this.updateFlow();
    });
    socket.on('error', (err) => this.log.debug({ err, conn: id }, 'socket error'));
    socket.once('close', () => {
      this.closed = true;
      stopListening();
      // Requests still running keep their share until they finish (flushResponses gives it back).
    });
  }

  /** Resolves when the socket has closed. */
  whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  /** Requests still being worked on or waiting to be written. */
  get pending(): number {
    return this.queue.length;
  }

  /** Resolves once every request received so far has been answered (or the socket closed). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Closes the socket after the responses already computed are written. */
  end(): Promise<void> {
    if (!this.closed) this.socket.end();
    return this.closedPromise;
  }

  destroy(): Promise<void> {
    this.closed = true;
    this.socket.destroy();
    return this.closedPromise;
  }

  nextReadBuffer(): Uint8Array {
    this.directRead = this.frames.tail(DIRECT_READ_MIN_BYTES);
    return this.directRead ?? this.sharedReadBuffer;
  }

  onRead(buffer: Uint8Array, n: number): void {
    let frames: Buffer[];
    try {
      if (buffer === this.directRead) {
        const frame = this.frames.filled(n);
        frames = frame === null ? [] : [frame];
      } else {
        frames = this.frames.push(buffer.subarray(0, n));
      }
    } catch (err) {
      this.log.warn({ err, conn: this.id, remote: this.remoteAddress }, 'closing connection: bad frame');
      void this.destroy();
      return;
    }
    for (const frame of frames) this.start(frame);
    this.updateFlow();
  }

  private start(frame: Buffer): void {
    const entry: InFlight = { size: frame.length, response: undefined, done: false };
    this.queue.push(entry);
    this.inFlightBytes += frame.length;
    this.limits.budget.take(frame.length);
    this.dispatcher.dispatch(frame, this).then(
      (response) => {
        entry.response = response;
        entry.done = true;
        this.flushResponses();
      },
      (err: unknown) => {
        if (err instanceof CloseConnectionError) {
          this.log.warn({ conn: this.id, remote: this.remoteAddress, reason: err.message }, 'closing connection');
        } else {
          this.log.error({ err, conn: this.id }, 'request failed without a response; closing connection');
        }
        void this.destroy();
        // Still settle the entry, so the shared budget gets its bytes back.
        entry.response = null;
        entry.done = true;
        this.flushResponses();
      },
    );
  }

  private flushResponses(): void {
    while (this.queue.length > 0 && this.queue[0].done) {
      const entry = this.queue.shift()!;
      this.inFlightBytes -= entry.size;
      this.limits.budget.give(entry.size);
      if (this.closed || entry.response === null || entry.response === undefined) continue;
      const chunks = entry.response;
      // cork/uncork turns the response's chunks into one writev, so cached record bytes go to
      // the socket without being concatenated first.
      this.socket.cork();
      let ok = true;
      for (const c of chunks) ok = this.socket.write(c);
      this.socket.uncork();
      if (!ok) this.writeBlocked = true;
    }
    this.updateFlow();
  }

  private updateFlow(): void {
    if (this.closed) return;
    const overloaded =
      this.writeBlocked ||
      this.queue.length >= this.limits.maxInFlightRequests ||
      this.inFlightBytes >= this.limits.maxInFlightBytes ||
      this.limits.budget.exhausted;
    if (overloaded) {
      if (!this.socket.isPaused()) this.socket.pause();
    } else if (this.socket.isPaused()) {
      this.socket.resume();
    }
  }
}
