/**
 * The embedded PGlite and its pglite-socket server, in a worker_thread (started by
 * embedded-postgres.ts): PGlite's WASM backend costs milliseconds of CPU per commit, and on the main
 * thread that time blocked the event loop that frames requests and serves fetches. Here it runs on
 * its own thread; the main thread still talks to it over the unix socket (or 127.0.0.1) with pg.
 *
 * Protocol (messages on parentPort, all plain objects):
 *   worker → main  { type: 'ready', port }                 listening (port: the TCP port, or 0 on a unix socket)
 *                  { type: 'error', error, fatal }         start failed (fatal) / a server error after start
 *                  { type: 'closed' } | { type: 'close-failed', error }
 *   main → worker  { type: 'close' }                       stop the server, close PGlite (flushes), reply
 * The main thread owns the data-dir lock and the stale-socket cleanup; this file only opens, serves, closes.
 */
import { setFlagsFromString } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PGLITE_DATABASE, PGLITE_SETTINGS, PGLITE_USER, PGLITE_V8_FLAGS } from './pglite-settings.js';

export interface EmbeddedWorkerData {
  /** PGlite's data directory. */
  dataPath: string;
  /** Unix socket path, or null for 127.0.0.1 on an ephemeral port. */
  socketPath: string | null;
  maxConnections: number;
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

export type WorkerToMain =
  | { type: 'ready'; port: number }
  | { type: 'error'; error: SerializedError; fatal: boolean }
  | { type: 'closed' }
  | { type: 'close-failed'; error: SerializedError };

export type MainToWorker = { type: 'close' };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return { name: err.name, message: err.message, stack: err.stack, ...(typeof code === 'string' ? { code } : {}) };
  }
  if (typeof err === 'object' && err !== null) {
    // Emscripten's filesystem throws plain objects, e.g. ErrnoError { name, errno }
    const o = err as { name?: unknown; message?: unknown; code?: unknown; errno?: unknown };
    const name = typeof o.name === 'string' ? o.name : 'Error';
    let message = typeof o.message === 'string' ? o.message : '';
    if (message === '') {
      try {
        message = `${name} ${JSON.stringify(err)}`;
      } catch {
        message = name;
      }
    }
    return { name, message, ...(typeof o.code === 'string' ? { code: o.code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

const START_PARAMS = [...PGlite.defaultStartParams, ...PGLITE_SETTINGS];

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('embedded-postgres-worker.ts must run in a worker_thread');
  const post = (m: WorkerToMain): void => port.postMessage(m);
  const data = workerData as EmbeddedWorkerData;
  setFlagsFromString(PGLITE_V8_FLAGS);

  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    db = await PGlite.create(data.dataPath, { username: PGLITE_USER, database: PGLITE_DATABASE, startParams: START_PARAMS });
    server = new PGLiteSocketServer(
      data.socketPath !== null
        ? { db, path: data.socketPath, maxConnections: data.maxConnections }
        : { db, host: '127.0.0.1', port: 0, maxConnections: data.maxConnections },
    );
    await server.start();
  } catch (err) {
    await server?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
    post({ type: 'error', error: serializeError(err), fatal: true });
    port.close(); // nothing left to do: let the thread end
    return;
  }
  const pg = db;
  const srv = server;
  srv.addEventListener('error', (ev) => {
    post({ type: 'error', error: serializeError((ev as CustomEvent<unknown>).detail), fatal: false });
  });

  let closing: Promise<void> | undefined;
  port.on('message', (m: MainToWorker) => {
    if (m.type !== 'close' || closing !== undefined) return;
    closing = (async () => {
      try {
        await srv.stop();
        await pg.close(); // flushes PGlite's files before we answer
        post({ type: 'closed' });
      } catch (err) {
        post({ type: 'close-failed', error: serializeError(err) });
      } finally {
        port.close();
      }
    })();
  });

  post({ type: 'ready', port: data.socketPath !== null ? 0 : Number(srv.getServerConn().split(':').pop()) });
}

await main();
