/**
 * The embedded metadata database: PGlite (PostgreSQL compiled to WASM) persisted in a directory,
 * served over the PostgreSQL wire protocol by @electric-sql/pglite-socket, so that pg-promise talks
 * to it exactly as to a real server and ONE SQL implementation serves both.
 *
 * PGlite and its socket server run in a worker_thread (embedded-postgres-worker.ts): the WASM
 * backend costs milliseconds of CPU per commit, which on the main thread blocked the event loop
 * that frames requests and serves fetches. The main thread only owns the lock file and the socket
 * path, and connects with pg like any client. If the worker dies, its socket server dies with it, so
 * the pool's connection breaks and the next query fails at once (connection refused); the error
 * is logged. close() asks the worker to stop the server and close PGlite (which flushes), waits for
 * the answer (bounded), then terminates the thread.
 *
 * Facts about pglite-socket 0.2 that shape this file:
 * - PGlite is a single backend. The socket server multiplexes several connections onto it per
 *   protocol MESSAGE, pinning to one connection only while a transaction block is open. Messages
 *   of two connections' extended-protocol exchanges (Parse/Bind/Execute/Sync) could interleave, so
 *   clients must use ONE connection: `poolSize` is 1 and callers must not exceed it.
 * - A connection beyond `maxConnections` gets "Too many connections" and is closed. We allow 2 so a
 *   pool reconnecting right after a broken socket is not refused before the server noticed the close.
 * - It listens on a unix socket (`path`) or TCP. We use a unix socket inside the data directory
 *   (private to its owner) when the path fits the ~107-byte limit, else 127.0.0.1 on an ephemeral port.
 *
 * Durability: PGlite's Node filesystem writes through to the files with write(2) before a commit
 * returns, so a committed transaction survives a process crash (kill -9; tested in
 * test/metadata/embedded-crash.test.ts). Emscripten's NODEFS does not pass fsync through, so it does
 * NOT survive an OS crash or power loss the way a real PostgreSQL does. Use DATABASE_URL for that.
 *
 * One process at a time: a lock file (`<dataDir>/streamhouse.lock`, holding the pid) keeps a second
 * process from opening the same directory; a lock left by a dead process is taken over.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import type { Logger } from 'pino';
import type { EmbeddedWorkerData, MainToWorker, SerializedError, WorkerToMain } from './embedded-postgres-worker.js';
import { initEmbeddedDataDir } from './embedded-initdb.js';
import { PGLITE_DATABASE, PGLITE_NODE_FLAGS, PGLITE_USER, pgliteNodeFlagsMissing } from './pglite-settings.js';

export interface EmbeddedPostgres {
  /** pg / pg-promise connection config (host is the socket directory for a unix socket). */
  connection: { host: string; port: number; user: string; database: string };
  /** Equivalent URL, for logs and tools (`psql`). */
  connectionString: string;
  /** Maximum connections a client pool may open (1). */
  poolSize: number;
  dataDir: string;
  close(): Promise<void>;
}

export class DataDirLockedError extends Error {
  readonly code = 'DATA_DIR_LOCKED';
  constructor(readonly dataDir: string, readonly pid: number) {
    super(`embedded database ${dataDir} is in use by process ${pid}`);
    this.name = 'DataDirLockedError';
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function acquireLock(lockPath: string, dataDir: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(lockPath, 'wx', 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number.parseInt((await readFile(lockPath, 'utf8').catch(() => '')).trim(), 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) throw new DataDirLockedError(dataDir, pid);
    if (pid === process.pid) throw new DataDirLockedError(dataDir, pid); // opened twice in this process
    await rm(lockPath, { force: true }); // stale: its process is gone
  }
  throw new Error(`could not lock ${lockPath}`);
}

const SOCKET_NAME = '.s.PGSQL.5432';
const MAX_UNIX_PATH = 100;
/** How long close() waits for the worker to stop the server and close PGlite before terminating it. */
const CLOSE_TIMEOUT_MS = 30_000;

export interface StartEmbeddedPostgresOptions {
  /** Where errors of the worker after start are logged (default: a pino logger on stdout). */
  logger?: Logger;
}

/**
 * Starts the worker script next to this file. From dist/ that is the compiled .js. Under tsx (tests,
 * bench, `npm run` scripts) it is the .ts, and the worker needs tsx's loader: Node 20 does not run
 * the inherited `--import tsx` in workers, so a small bootstrap registers tsx in the thread first
 * (registering twice where Node does run it is harmless), then imports the .ts.
 */
function spawnWorker(workerData: EmbeddedWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./embedded-postgres-worker.js', import.meta.url), { workerData, name: 'embedded-pglite' });
  }
  const entry = new URL('./embedded-postgres-worker.ts', import.meta.url).href;
  let tsx: string | null = null;
  try {
    tsx = import.meta.resolve('tsx/esm/api');
  } catch {
    // not installed: rely on whatever loader the worker inherited
  }
  const bootstrap = `
    const { workerData } = require('node:worker_threads');
    const { tsx, entry } = workerData.bootstrap;
    (tsx === null ? Promise.resolve() : import(tsx).then((api) => { api.register(); }))
      .then(() => import(entry))
      .catch((err) => process.nextTick(() => { throw err; }));`;
  return new Worker(bootstrap, { eval: true, workerData: { ...workerData, bootstrap: { tsx, entry } }, name: 'embedded-pglite' });
}

function deserializeError(e: SerializedError, context: string): Error {
  const err = new Error(`${context}: ${e.message}`);
  err.name = e.name;
  if (e.code !== undefined) (err as NodeJS.ErrnoException).code = e.code;
  if (e.stack !== undefined) err.stack = `${err.name}: ${err.message}\n    [in the embedded PGlite worker]\n${e.stack.split('\n').slice(1).join('\n')}`;
  return err;
}

const workers = new WeakMap<EmbeddedPostgres, Worker>();

/** The worker thread behind an embedded database (for tests that kill it). */
export function embeddedWorker(embedded: EmbeddedPostgres): Worker | undefined {
  return workers.get(embedded);
}

export async function startEmbeddedPostgres(dataDir: string, options: StartEmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const dir = resolve(dataDir);
  await mkdir(dir, { recursive: true });
  const lockPath = join(dir, 'streamhouse.lock');
  await acquireLock(lockPath, dir);
  const socketPath = join(dir, SOCKET_NAME);
  const useUnix = Buffer.byteLength(socketPath) <= MAX_UNIX_PATH;
  const log = (): Logger => (options.logger ??= pino({ name: 'embedded-pglite' }));
  if (pgliteNodeFlagsMissing()) {
    log().warn(
      { node: process.version, flags: PGLITE_NODE_FLAGS },
      `this Node ignores V8 flags set at run time, so PGlite's WebAssembly will be compiled by the optimizing tier (RSS ~500 MB higher for a moment once clients connect); start node with ${PGLITE_NODE_FLAGS.join(' ')}, as npm start does`,
    );
  }
  let worker: Worker | undefined;
  try {
    if (useUnix) await rm(socketPath, { force: true }); // left by a killed process
    const data: EmbeddedWorkerData = { dataPath: join(dir, 'data'), socketPath: useUnix ? socketPath : null, maxConnections: 2 };
    if (!existsSync(join(data.dataPath, 'PG_VERSION'))) await initEmbeddedDataDir(data.dataPath);
    const w = spawnWorker(data);
    worker = w;

    // Lifecycle, tracked from the start so that no event is missed.
    let exited = false;
    let closeRequested = false;
    let lastError: Error | undefined;
    let onReply: ((m: WorkerToMain) => void) | undefined;
    let onExit: ((code: number) => void) | undefined;
    const exitPromise = new Promise<number>((res) => w.once('exit', res));
    const ready = new Promise<number>((res, rej) => {
      onReply = (m) => {
        if (m.type === 'ready') res(m.port);
        else if (m.type === 'error' && m.fatal) rej(deserializeError(m.error, `embedded PGlite failed to start in ${data.dataPath}`));
      };
      onExit = (code) => rej(lastError ?? new Error(`embedded PGlite worker exited (code ${code}) before it was ready`));
    });
    let started = false;
    w.on('message', (m: WorkerToMain) => {
      if (!started) return onReply?.(m);
      if (m.type === 'error') log().error({ err: deserializeError(m.error, 'embedded PGlite') }, 'embedded PGlite: server error');
      else onReply?.(m);
    });
    w.on('error', (err) => {
      lastError = err;
      if (started) log().error({ err }, 'embedded PGlite worker failed; metadata queries will fail');
    });
    w.on('exit', (code) => {
      exited = true;
      if (started && !closeRequested) log().error({ code, err: lastError }, 'embedded PGlite worker exited unexpectedly; metadata queries will fail');
      onExit?.(code);
    });

    const tcpPort = await ready;
    started = true;
    const host = useUnix ? dir : '127.0.0.1';
    const port = useUnix ? 5432 : tcpPort;
    const connection = { host, port, user: PGLITE_USER, database: PGLITE_DATABASE };
    const connectionString = useUnix
      ? `postgres://${PGLITE_USER}@/${PGLITE_DATABASE}?host=${encodeURIComponent(dir)}`
      : `postgres://${PGLITE_USER}@127.0.0.1:${port}/${PGLITE_DATABASE}`;

    /** Asks the worker to stop and close PGlite; resolves when it did, or rejects (failure, death, timeout). */
    const stopWorker = async (): Promise<void> => {
      if (exited) return; // it died earlier: already logged, nothing left to flush
      let timer: NodeJS.Timeout | undefined;
      try {
        const reply = new Promise<void>((res, rej) => {
          onReply = (m) => {
            if (m.type === 'closed') res();
            else if (m.type === 'close-failed') rej(deserializeError(m.error, 'embedded PGlite failed to close'));
          };
          onExit = (code) => rej(lastError ?? new Error(`embedded PGlite worker exited (code ${code}) while closing`));
          timer = setTimeout(() => rej(new Error(`embedded PGlite did not close within ${CLOSE_TIMEOUT_MS} ms`)), CLOSE_TIMEOUT_MS);
        });
        w.postMessage({ type: 'close' } satisfies MainToWorker);
        await reply;
      } finally {
        clearTimeout(timer);
        await w.terminate();
        await exitPromise;
      }
    };

    let closing: Promise<void> | undefined;
    const embedded: EmbeddedPostgres = {
      connection,
      connectionString,
      poolSize: 1,
      dataDir: dir,
      close() {
        closing ??= (async () => {
          closeRequested = true;
          try {
            await stopWorker();
          } finally {
            if (useUnix) await rm(socketPath, { force: true });
            await rm(lockPath, { force: true });
          }
        })();
        return closing;
      },
    };
    workers.set(embedded, w);
    return embedded;
  } catch (err) {
    await worker?.terminate().catch(() => undefined);
    if (useUnix) await rm(socketPath, { force: true }).catch(() => undefined);
    await rm(lockPath, { force: true });
    throw err;
  }
}
