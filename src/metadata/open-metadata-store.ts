/**
 * Opens the metadata store: a real PostgreSQL when `databaseUrl` is given, else the embedded
 * PGlite persisted in `${dataDir}/pg`. Migrations are applied before the store is returned.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SqlMetadataStore } from './sql-metadata-store.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { connect } from './pg.js';

export interface OpenMetadataStoreOptions {
  /** `postgres://…`; when absent the embedded PGlite is used. */
  databaseUrl?: string;
  /** StreamHouse's data directory; the embedded database lives in `${dataDir}/pg`. */
  dataDir: string;
  logger: Logger;
  /** Pool size for a real PostgreSQL (default 8). The embedded database always uses 1. */
  poolSize?: number;
  /** Skip migrations (tests of the migrator). Default false. */
  skipMigrations?: boolean;
}

export async function openMetadataStore(options: OpenMetadataStoreOptions): Promise<SqlMetadataStore> {
  const log = options.logger.child({ component: 'metadata' });
  let store: SqlMetadataStore;
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    const db = connect({ connection: options.databaseUrl, max: options.poolSize ?? 8 });
    store = new SqlMetadataStore(db, { logger: log, kind: 'postgres' });
    log.info({ url: redact(options.databaseUrl) }, 'metadata store: PostgreSQL');
  } else {
    const started = Date.now();
    const embedded = await startEmbeddedPostgres(join(options.dataDir, 'pg'), { logger: log });
    const db = connect({ connection: embedded.connection, max: embedded.poolSize });
    store = new SqlMetadataStore(db, { logger: log, kind: 'pglite', onClose: () => embedded.close() });
    log.info({ dataDir: embedded.dataDir, url: embedded.connectionString, ms: Date.now() - started }, 'metadata store: embedded PGlite');
  }
  if (options.skipMigrations !== true) {
    try {
      await store.migrate();
    } catch (err) {
      await store.close().catch(() => undefined);
      throw err;
    }
  }
  return store;
}

/** The URL without its password, for logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}
