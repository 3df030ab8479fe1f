import net from 'node:net';
import { decodeResponse, encodeRequest } from '../../protocol/frames.js';
import type { ApiKeyValue, ApiRequests, ApiResponses } from '../../protocol/generated/api-keys.js';
import type { Input } from '../../protocol/runtime/types.js';
import { FrameReader } from '../server/frame-reader.js';

interface Pending {
  apiKey: number;
  apiVersion: number;
  resolve: (frame: Buffer) => void;
  reject: (err: Error) => void;
}

/**
 * A lean Kafka client connection on our own codec: pipelined requests matched to responses by
 * correlation id. For tests and the benchmark's load generator, where a full client (kafkajs)
 * would be the bottleneck; it does no metadata discovery, retries or batching of its own.
 */
export class WireClient {
  private readonly frames = new FrameReader(1 << 30);
  private readonly pending = new Map<number, Pending>();
  private nextCorrelation = 1;
  private closedError: Error | null = null;

  private constructor(
    private readonly socket: net.Socket,
    readonly clientId: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.frames.push(chunk)) this.onFrame(frame);
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static connect(host: string, port: number, clientId = 'streamhouse-wire-client'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new WireClient(socket, clientId));
      });
      socket.once('error', reject);
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends a request and resolves with the decoded response body. */
  async send<K extends ApiKeyValue>(apiKey: K, apiVersion: number, body: Input<ApiRequests[K]>): Promise<ApiResponses[K]> {
    const frame = await this.sendRaw(apiKey, apiVersion, encodeRequest(apiKey, apiVersion, 0, this.clientId, body));
    return decodeResponse(apiKey, apiVersion, frame).body;
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  sendNoResponse<K extends ApiKeyValue>(apiKey: K, apiVersion: number, body: Input<ApiRequests[K]>): void {
    const chunks = encodeRequest(apiKey, apiVersion, this.nextCorrelation++, this.clientId, body);
    this.socket.cork();
    for (const c of chunks) this.socket.write(c);
    this.socket.uncork();
  }

  /**
   * Sends pre-encoded request chunks (size prefix included); the correlation id in them is
   * overwritten. Resolves with the raw response frame (without size prefix).
   */
  sendRaw(apiKey: number, apiVersion: number, chunks: Buffer[]): Promise<Buffer> {
    if (this.closedError) return Promise.reject(this.closedError);
    const correlationId = this.nextCorrelation++;
    // The correlation id sits at bytes 8–11 of the first chunk (size, key, version come first).
    chunks[0].writeInt32BE(correlationId, 8);
    return new Promise((resolve, reject) => {
      this.pending.set(correlationId, { apiKey, apiVersion, resolve, reject });
      this.socket.cork();
      for (const c of chunks) this.socket.write(c);
      this.socket.uncork();
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const p = this.pending.get(correlationId);
    if (!p) return this.fail(new Error(`response for unknown correlation id ${correlationId}`));
    this.pending.delete(correlationId);
    p.resolve(frame);
  }

  private fail(err: Error): void {
    this.closedError ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
