import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { FrameReader } from './frame-reader.js';

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

/**
 * One client connection: frames requests, hands each to the dispatcher as soon as it arrives
 * (pipelining), and writes responses strictly in request order. Reading pauses while too much is
 * in flight or while the socket cannot take more output (a slow reader), so memory stays bounded.
 */
export class Connection implements ConnectionInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  private readonly frames: FrameReader;
  private readonly queue: InFlight[] = [];
  private inFlightBytes = 0;
  private writeBlocked = false;
  private closed = false;
  private readonly closedPromise: Promise<void>;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly dispatcher: RequestDispatcher,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
  ) {
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.frames = new FrameReader(limits.maxFrameBytes);
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

  /** Takes bytes read from the socket; they are copied, so the caller may reuse their memory. */
  receive(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
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
