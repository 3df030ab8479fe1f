/**
 * A tiny recording TCP proxy for the Kafka wire: clients connect to it, it connects each of them
 * to the broker and passes bytes through unchanged, and on the side it splits both directions into
 * size-prefixed frames and records every one, in order, per connection.
 *
 * Clients learn broker addresses from Metadata responses and then connect there directly, so the
 * broker behind the proxy must advertise the proxy's address: start the proxy first (without a
 * target), then the broker with `advertisedPort: proxy.port`, then `proxy.setTarget(...)`.
 *
 * Responses are matched to their requests by correlation id (the first int32 of every response
 * header, whatever its version), which gives each response the api key and version it must be
 * decoded with. Requests that get no response (Produce with acks=0) simply have none.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type FrameDirection = 'request' | 'response';

export interface CapturedFrame {
  /** Position in the proxy's whole capture (0, 1, 2, …), in the order frames were completed. */
  seq: number;
  /** Connections are numbered 1, 2, … in the order the proxy accepted them. */
  connection: number;
  /** `proxy.tag` when the connection was accepted: which client (phase) it belongs to. */
  tag: string;
  direction: FrameDirection;
  /** From the request header; for a response, that of its request (-1 if no request matched). */
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** The frame without its int32 size prefix (what decodeRequest / decodeResponse take). */
  frame: Buffer;
}

export interface CaptureProxyOptions {
  /** Listen address (default 127.0.0.1) and port (default 0: any free port). */
  host?: string;
  port?: number;
  /** Where to forward; may be given later with setTarget (before the first client connects). */
  target?: { host: string; port: number };
  /** Initial value of `tag`. */
  tag?: string;
}

export interface CaptureProxy {
  readonly host: string;
  readonly port: number;
  /** `host:port` for a client's bootstrap list. */
  readonly bootstrap: string;
  /** Every frame so far, in order. */
  readonly frames: readonly CapturedFrame[];
  /** Set before a client connects to label its connections (e.g. 'kafkajs', 'kcat'). */
  tag: string;
  setTarget(host: string, port: number): void;
  /** Frames of one connection, in order. */
  framesOf(connection: number): CapturedFrame[];
  /** Requests with no response so far, across connections. */
  unanswered(): CapturedFrame[];
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

/** Splits a byte stream into frames (int32 size + body); returns each body as its own Buffer. */
class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (size < 0) throw new Error(`invalid frame size ${size}`);
      if (this.pending.length < 4 + size) break;
      // Copy: the capture outlives the socket's chunks and must not alias them.
      out.push(Buffer.from(this.pending.subarray(4, 4 + size)));
      this.pending = this.pending.subarray(4 + size);
    }
    return out;
  }
}

export async function startCaptureProxy(options: CaptureProxyOptions = {}): Promise<CaptureProxy> {
  const host = options.host ?? '127.0.0.1';
  let target = options.target;
  const frames: CapturedFrame[] = [];
  const sockets = new Set<Socket>();
  /** Per connection: correlation id → the request frame awaiting its response. */
  const inFlight = new Map<number, Map<number, CapturedFrame>>();
  let connections = 0;

  const proxy: CaptureProxy = {
    host,
    port: 0,
    bootstrap: '',
    frames,
    tag: options.tag ?? '',
    setTarget(h: string, p: number) {
      target = { host: h, port: p };
    },
    framesOf(connection: number) {
      return frames.filter((f) => f.connection === connection);
    },
    unanswered() {
      return [...inFlight.values()].flatMap((m) => [...m.values()]);
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server: Server = createServer((client) => {
    const connection = ++connections;
    const tag = proxy.tag;
    if (target === undefined) {
      client.destroy(new Error('capture proxy has no target yet'));
      return;
    }
    const upstream = connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const pending = new Map<number, CapturedFrame>();
    inFlight.set(connection, pending);
    const requests = new FrameSplitter();
    const responses = new FrameSplitter();

    const record = (direction: FrameDirection, frame: Buffer): void => {
      let apiKey = -1;
      let apiVersion = -1;
      let correlationId = -1;
      if (direction === 'request') {
        if (frame.length >= 8) {
          apiKey = frame.readInt16BE(0);
          apiVersion = frame.readInt16BE(2);
          correlationId = frame.readInt32BE(4);
        }
      } else if (frame.length >= 4) {
        correlationId = frame.readInt32BE(0);
        const request = pending.get(correlationId);
        if (request !== undefined) {
          pending.delete(correlationId);
          apiKey = request.apiKey;
          apiVersion = request.apiVersion;
        }
      }
      const captured: CapturedFrame = { seq: frames.length, connection, tag, direction, apiKey, apiVersion, correlationId, frame };
      frames.push(captured);
      if (direction === 'request' && correlationId !== -1) pending.set(correlationId, captured);
    };

    const finish = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    // Bytes pass through as they come; the split into frames is only for the record. A stream that
    // cannot be framed (negative size) is not Kafka: drop the connection.
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      try {
        for (const f of requests.push(chunk)) record('request', f);
      } catch {
        finish();
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      try {
        for (const f of responses.push(chunk)) record('response', f);
      } catch {
        finish();
      }
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('close', finish);
    upstream.on('close', finish);
    client.on('error', finish);
    upstream.on('error', finish);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('capture proxy: no TCP address');
  return Object.assign(proxy, { port: address.port, bootstrap: `${host}:${address.port}` });
}
