import net from 'node:net';

/**
 * Socket reads into buffers the connection chooses, instead of a new Buffer per read.
 *
 * A plain net socket hands out each read as a freshly allocated Buffer (up to 64 KiB). Under
 * produce load that is as many bytes allocated as received, on top of the frames they are then
 * copied into, and every one of those external bytes brings V8's next full garbage collection
 * closer. net's `onread` option reads into memory we pick before each read: the unfilled tail of
 * a large frame being received (the kernel copies straight into the request's own buffer), or
 * else one small buffer that every connection shares, from which the frame reader copies at once
 * (reads are delivered one at a time on this thread, so sharing it is safe).
 *
 * net.Server has no `onread` option. An accepted socket (the server must use `pauseOnConnect`, so
 * it has not read yet) is wrapped again around its handle by a Socket that has one — what the
 * server itself does with `handle` — and the server's connection count moves to the new socket,
 * so `server.close()` still waits for it. When a Node version lacks the internals this relies on,
 * the accepted socket is used as is and its 'data' events feed `onRead`.
 */
export interface ReadTarget {
  /** Where the next read goes; asked after every read. */
  nextReadBuffer(): Uint8Array;
  /** `n` bytes were read into the start of `buffer` (the one nextReadBuffer gave, or a 'data' chunk). */
  onRead(buffer: Uint8Array, n: number): void;
}

/** The buffer the connections share for reads that do not go straight into a frame. */
export const SHARED_READ_BYTES = 16 * 1024;

interface AcceptedSocketInternals {
  _handle?: unknown;
  _server?: net.Server | null;
}

export function adoptAcceptedSocket(accepted: net.Socket, target: ReadTarget): net.Socket {
  const internals = accepted as unknown as AcceptedSocketInternals;
  const server = internals._server;
  if (internals._handle == null || server == null) {
    accepted.on('data', (chunk: Buffer) => target.onRead(chunk, chunk.length));
    accepted.resume();
    return accepted;
  }
  // `handle` is what net.Server itself passes; @types/node leaves it (and `onread` here) out.
  const options: net.SocketConstructorOpts & { handle: unknown; onread: net.OnReadOpts } = {
    handle: internals._handle,
    readable: true,
    writable: true,
    onread: {
      buffer: () => target.nextReadBuffer(),
      callback: (n: number, buffer: Uint8Array) => {
        target.onRead(buffer, n);
        return true;
      },
    },
  };
  const socket = new net.Socket(options);
  internals._server = null;
  const adopted = socket as unknown as AcceptedSocketInternals & { server: net.Server };
  adopted._server = server;
  adopted.server = server;
  return socket;
}
