import net from 'node:net';

/**
 * Socket reads into one buffer shared by every connection, instead of a new Buffer per read.
 *
 * A plain net socket hands out each read as a freshly allocated Buffer (up to 64 KiB). Under
 * produce load that is as many bytes allocated as received, on top of the frames they are copied
 * into, and every one of those external bytes brings V8's next full garbage collection closer.
 * net's `onread` option reads into a buffer we own; the frame reader copies each read out at once,
 * so one buffer serves every connection (reads are delivered one at a time on this thread).
 *
 * net.Server has no `onread` option. An accepted socket (the server must use `pauseOnConnect`, so
 * it has not read yet) is wrapped again around its handle by a Socket that has one — what the
 * server itself does with `handle` — and the server's connection count moves to the new socket,
 * so `server.close()` still waits for it. When a Node version lacks the internals this relies on,
 * the accepted socket is used as is and its 'data' events feed the callback.
 */
export const SHARED_READ_BYTES = 256 * 1024;

interface AcceptedSocketInternals {
  _handle?: unknown;
  _server?: net.Server | null;
}

export function readIntoSharedBuffer(accepted: net.Socket, buffer: Buffer, onBytes: (bytes: Buffer) => void): net.Socket {
  const internals = accepted as unknown as AcceptedSocketInternals;
  const server = internals._server;
  if (internals._handle == null || server == null) {
    accepted.on('data', onBytes);
    accepted.resume();
    return accepted;
  }
  // `handle` is what net.Server itself passes; @types/node leaves it (and `onread` here) out.
  const options: net.SocketConstructorOpts & { handle: unknown; onread: net.OnReadOpts } = {
    handle: internals._handle,
    readable: true,
    writable: true,
    onread: {
      buffer,
      callback: (n: number) => {
        onBytes(buffer.subarray(0, n));
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
