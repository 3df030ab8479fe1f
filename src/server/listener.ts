import net from 'node:net';
import type { Logger } from 'pino';
import { Connection, type ConnectionLimits, type RequestDispatcher } from './connection.js';
import { SHARED_READ_BYTES } from './socket-reads.js';

export interface ListenerOptions extends ConnectionLimits {
  host: string;
  port: number;
}

/** The TCP listener: accepts connections and, on close, stops accepting and drains them. */
export class Listener {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private nextId = 1;
  private readonly readBuffer = Buffer.allocUnsafe(SHARED_READ_BYTES);

  constructor(
    private readonly options: ListenerOptions,
    private readonly dispatcher: RequestDispatcher,
    private readonly log: Logger,
  ) {
    this.server = net.createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
  }

  async listen(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address() as net.AddressInfo;
    return { host: addr.address, port: addr.port };
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes every socket. */
  async close(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const drains = Promise.all([...this.connections].map((c) => c.drain()));
    await Promise.race([drains, new Promise((r) => setTimeout(r, graceMs))]);
    await Promise.all([...this.connections].map((c) => c.destroy()));
    await closed;
  }

  private accept(accepted: net.Socket): void {
    const conn = new Connection(this.nextId++, accepted, this.readBuffer, this.dispatcher, this.options, this.log);
    this.connections.add(conn);
    void conn.whenClosed().then(() => this.connections.delete(conn));
  }
}
