/**
 * The TCP listener with a dispatcher of our own: framing across the read buffer every connection
 * shares, flow control (reading stops while requests hold the budget), and closing.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { pino } from 'pino';
import { Listener } from '../../src/server/listener.js';
import { DIRECT_READ_MIN_BYTES, InFlightBudget, type RequestDispatcher } from '../../src/server/connection.js';
import { FrameReader } from '../../src/server/frame-reader.js';
import { SHARED_READ_BYTES } from '../../src/server/socket-reads.js';

const log = pino({ level: 'silent' });

function sized(body: Buffer): Buffer[] {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return [size, body];
}

/** Answers each frame with its own bytes. */
const echo: RequestDispatcher = {
  dispatch: async (frame) => sized(frame),
};

/** Holds every request until released; then answers it with its own bytes. */
class HeldDispatcher implements RequestDispatcher {
  received = 0;
  private readonly held: (() => void)[] = [];

  dispatch(frame: Buffer): Promise<Buffer[]> {
    this.received++;
    return new Promise((resolve) => this.held.push(() => resolve(sized(frame))));
  }

  releaseAll(): void {
    for (const release of this.held.splice(0)) release();
  }
}

async function startListener(dispatcher: RequestDispatcher, budgetBytes = 64 << 20): Promise<{ listener: Listener; port: number }> {
  const listener = new Listener(
    {
      host: '127.0.0.1',
      port: 0,
      maxFrameBytes: 8 << 20,
      maxInFlightRequests: 1000,
      maxInFlightBytes: 64 << 20,
      budget: new InFlightBudget(budgetBytes),
    },
    dispatcher,
    log,
  );
  const { port } = await listener.listen();
  return { listener, port };
}

/** A raw client: writes frames, collects the response frames in order. */
async function connect(port: number): Promise<{ socket: net.Socket; responses: Buffer[]; waitFor: (n: number) => Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const reader = new FrameReader(64 << 20);
  const responses: Buffer[] = [];
  const waiters: (() => void)[] = [];
  let closed = false;
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  socket.on('data', (chunk: Buffer) => {
    responses.push(...reader.push(chunk));
    wake();
  });
  socket.once('close', () => {
    closed = true;
    wake();
  });
  const waitFor = async (n: number): Promise<void> => {
    while (responses.length < n) {
      if (closed) throw new Error(`closed after ${responses.length} of ${n} responses`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { socket, responses, waitFor };
}

/** Bytes that differ frame to frame and position to position, so a frame assembled from the wrong read shows. */
function body(seed: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = (seed * 131 + i * 7 + (i >> 8)) & 0xff;
  return b;
}

describe('Listener', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('assembles frames of every size from many connections reading into one shared buffer', async () => {
    const { listener, port } = await startListener(echo);
    stop = () => listener.close(1000);
    // Sizes around the shared buffer's length and far beyond it, interleaved across connections
    // that write at the same time, so reads of one connection land between reads of another.
    const sizes = [1, 0, 5, 4096, SHARED_READ_BYTES - 4, SHARED_READ_BYTES, SHARED_READ_BYTES + 3, 3 * SHARED_READ_BYTES + 17, 70_000, 12];
    const clients = await Promise.all([0, 1, 2, 3].map(() => connect(port)));
    const sent = clients.map((c, ci) => {
      const frames = sizes.map((n, i) => body(ci * 100 + i, n));
      for (const f of frames) for (const part of sized(f)) c.socket.write(part);
      return frames;
    });
    await Promise.all(clients.map((c) => c.waitFor(sizes.length)));
    clients.forEach((c, ci) => {
      assert.equal(c.responses.length, sizes.length);
      c.responses.forEach((r, i) => assert.ok(r.equals(sent[ci][i]), `client ${ci} frame ${i} (${sizes[i]} bytes) came back different`));
      c.socket.destroy();
    });
  });

  it('reads the bulk of a large frame straight into the frame, not through the shared buffer', async () => {
    const { listener, port } = await startListener(echo);
    stop = () => listener.close(1000);
    let direct = 0;
    let pushed = 0;
    const filled = FrameReader.prototype.filled;
    const push = FrameReader.prototype.push;
    FrameReader.prototype.filled = function (this: FrameReader, n: number) {
      direct += n;
      return filled.call(this, n);
    };
    FrameReader.prototype.push = function (this: FrameReader, chunk: Uint8Array) {
      pushed += chunk.length;
      return push.call(this, chunk);
    };
    try {
      const c = await connect(port);
      const big = body(7, 4 << 20);
      for (const part of sized(big)) c.socket.write(part);
      await c.waitFor(1);
      assert.ok(c.responses[0].equals(big));
      // The first read brings the size and at most one shared buffer of the frame, and the last
      // few KiB may come through it too; the rest goes straight in. (The client's own reader
      // counts as well: it gets the whole response pushed.)
      const throughShared = SHARED_READ_BYTES + DIRECT_READ_MIN_BYTES;
      assert.ok(direct >= big.length - throughShared, `only ${direct} of ${big.length} bytes were read straight into the frame`);
      assert.ok(pushed - (big.length + 4) <= throughShared, `${pushed} bytes went through push`);
      c.socket.destroy();
    } finally {
      FrameReader.prototype.filled = filled;
      FrameReader.prototype.push = push;
    }
  });

  it('stops reading while requests hold the shared budget, and reads on once they are answered', async () => {
    const held = new HeldDispatcher();
    const budget = 64 * 1024;
    const { listener, port } = await startListener(held, budget);
    stop = () => listener.close(1000);
    const c = await connect(port);
    const frameBytes = 16 * 1024;
    const count = 200; // 3.2 MB: far more than the budget plus what one read can bring in
    for (let i = 0; i < count; i++) for (const part of sized(body(i, frameBytes))) c.socket.write(part);
    await new Promise((r) => setTimeout(r, 300));
    // Reading pauses once the budget is spent; frames already read in the same socket read are
    // still started, so at most one shared buffer's worth beyond the budget arrives.
    const limit = Math.ceil((budget + SHARED_READ_BYTES) / frameBytes) + 1;
    assert.ok(held.received > 0, 'nothing was dispatched');
    assert.ok(held.received <= limit, `dispatched ${held.received} requests of ${frameBytes} bytes with a ${budget}-byte budget`);
    while (c.responses.length < count) {
      held.releaseAll();
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(held.received, count);
    c.responses.forEach((r, i) => assert.ok(r.equals(body(i, frameBytes)), `response ${i} out of order or corrupt`));
    c.socket.destroy();
  });

  it('closes: the server stops once the connections it accepted are gone', { timeout: 10_000 }, async () => {
    const { listener, port } = await startListener(echo);
    const open = await connect(port);
    const gone = await connect(port);
    for (const part of sized(Buffer.from('x'))) gone.socket.write(part);
    await gone.waitFor(1);
    gone.socket.destroy();
    const closedByServer = new Promise<void>((resolve) => open.socket.once('close', () => resolve()));
    await listener.close(100);
    await closedByServer;
    assert.equal(listener.connectionCount, 0);
  });
});
