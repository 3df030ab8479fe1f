/**
 * The stores a benchmarked broker runs on, set up fresh for each backend:
 *  - embedded: a temp data directory (PGlite in pg/, directory object store in objects/);
 *  - postgres-s3: a fresh database on DATABASE_URL's server and s3rver in a child process.
 * Also opens the same kinds of stores for the ceiling measurements (a commit, a PUT, a GET).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { openMetadataStore } from '../src/metadata/open-metadata-store.js';
import type { MetadataStore } from '../src/metadata/metadata-store.js';
import type { ObjectStore } from '../src/objects/object-store.js';
import { DirectoryObjectStore } from '../src/objects/directory-object-store.js';
import { S3ObjectStore } from '../src/objects/s3-object-store.js';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../test/support/postgres.js';
import type { Backend } from './args.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface BackendEnv {
  backend: Backend;
  description: string;
  /** Flags and environment for the broker child. */
  brokerArgs: string[];
  brokerEnv: Record<string, string>;
  /** Pids of the backend's own processes (s3rver), for CPU accounting. */
  pids: number[];
  /** Files of the flush objects written so far (`objects/…obj`), to count flushes and size them. */
  flushObjects(): Promise<Set<string>>;
  /** A store like the broker's, for the ceilings. */
  openObjects(): Promise<ObjectStore>;
  /** A metadata store like the broker's (a separate database), for the ceilings. */
  openMetadata(): Promise<{ store: MetadataStore; close(): Promise<void> }>;
  close(): Promise<void>;
}

const silent = pino({ level: 'silent' });

/** Paths of the files in `dir` whose names end in `suffix`. */
async function listFiles(dir: string, suffix: string): Promise<Set<string>> {
  try {
    const names = await readdir(dir);
    return new Set(names.filter((n) => n.endsWith(suffix)).map((n) => join(dir, n)));
  } catch {
    return new Set();
  }
}

/** PGlite in a throwaway directory, or a fresh database on the PostgreSQL server. */
async function metadataLike(databaseUrl: boolean): Promise<{ store: MetadataStore; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sh-bench-meta-'));
  const db: TestDatabase | null = databaseUrl ? await createTestDatabase() : null;
  const store = await openMetadataStore({ dataDir: dir, databaseUrl: db?.url, logger: silent });
  return {
    store,
    async close() {
      await store.close();
      await db?.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function embeddedBackend(): Promise<BackendEnv> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sh-bench-data-'));
  const scratch: string[] = [];
  return {
    backend: 'embedded',
    description: `embedded: PGlite + directory store in ${dataDir}`,
    brokerArgs: ['--data-dir', dataDir],
    brokerEnv: {},
    pids: [],
    flushObjects: () => listFiles(join(dataDir, 'objects', 'objects'), '.obj'),
    async openObjects() {
      const dir = await mkdtemp(join(tmpdir(), 'sh-bench-objects-'));
      scratch.push(dir);
      return new DirectoryObjectStore(dir);
    },
    openMetadata: () => metadataLike(false),
    async close() {
      await rm(dataDir, { recursive: true, force: true });
      for (const d of scratch) await rm(d, { recursive: true, force: true });
    },
  };
}

interface S3rverInfo {
  endpoint: string;
  bucket: string;
  directory: string;
}

function startS3rverChild(): Promise<{ child: ChildProcess; info: S3rverInfo }> {
  const child = fork(fileURLToPath(new URL('./s3rver-child.ts', import.meta.url)), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (info: S3rverInfo) => resolve({ child, info }));
    child.once('exit', (code) => reject(new Error(`s3rver child exited with ${code}`)));
  });
}

/** Why postgres-s3 cannot run here, or null. */
export function postgresS3Unavailable(): Promise<string | null> {
  return postgresUnavailable();
}

export async function postgresS3Backend(): Promise<BackendEnv> {
  const db = await createTestDatabase();
  const { child, info } = await startS3rverChild();
  const dataDir = await mkdtemp(join(tmpdir(), 'sh-bench-agent-'));
  const stores: S3ObjectStore[] = [];
  return {
    backend: 'postgres-s3',
    description: `postgres-s3: PostgreSQL database ${db.name} + s3rver ${info.endpoint} (child pid ${child.pid})`,
    brokerArgs: ['--data-dir', dataDir, '--database-url', db.url, '--s3-endpoint', info.endpoint, '--s3-bucket', info.bucket],
    brokerEnv: { AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey },
    pids: [child.pid!],
    flushObjects: () => listFiles(join(info.directory, info.bucket, 'objects'), '.obj._S3rver_object'),
    async openObjects() {
      const store = await S3ObjectStore.open({
        bucket: info.bucket,
        endpoint: info.endpoint,
        forcePathStyle: true,
        credentials: S3_CREDENTIALS,
        prefix: 'bench-ceiling/',
      });
      stores.push(store);
      return store;
    },
    openMetadata: () => metadataLike(true),
    async close() {
      const exited = new Promise((r) => child.once('exit', r));
      child.send('exit');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
