/**
 * The one pg-promise instance, and connection settings shared by real PostgreSQL and the embedded
 * PGlite: int8 comes back as bigint (per connection, through `types`, so the process-wide
 * pg.types stay untouched for anyone else), and bigint parameters are formatted as plain integers
 * by pg-promise's formatter.
 */
import pgPromise from 'pg-promise';
import type { IDatabase, IMain } from 'pg-promise';
import type { IClient, IConnectionParameters, ITypeOverrides } from 'pg-promise/typescript/pg-subset.js';

export const pgp: IMain = pgPromise({
  // Several stores on the same database happen legitimately (tests reopen; agents in one process).
  noWarnings: true,
});

export type Db = IDatabase<unknown>;

const INT8_OID = 20;
const INT8_ARRAY_OID = 1016;

const parseInt8 = (value: string): bigint => BigInt(value);

/** Per-connection type parsers: int8 → bigint, int8[] → bigint[]; everything else as pg does. */
export const typeOverrides: ITypeOverrides = {
  setTypeParser(): void {
    throw new Error('typeOverrides is read-only');
  },
  getTypeParser(id: number, format?: 'text' | 'binary'): unknown {
    if (format !== 'binary') {
      if (id === INT8_OID) return parseInt8;
      if (id === INT8_ARRAY_OID) return (value: string) => pgp.pg.types.arrayParser(value, parseInt8);
    }
    return pgp.pg.types.getTypeParser(id, format);
  },
};

export interface ConnectOptions {
  /** `postgres://…` URL, or explicit host/port/user/database (e.g. from startEmbeddedPostgres). */
  connection: string | { host: string; port: number; user: string; database: string; password?: string };
  /** Pool size; must be 1 for PGlite. */
  max: number;
  application_name?: string;
}

export function connect(options: ConnectOptions): Db {
  const base: IConnectionParameters<IClient> =
    typeof options.connection === 'string' ? { connectionString: options.connection } : { ...options.connection };
  return pgp({
    ...base,
    max: options.max,
    types: typeOverrides,
    application_name: options.application_name ?? 'streamhouse',
    // Keep connections: PGlite has exactly one, and reconnecting costs a startup round.
    idleTimeoutMillis: 0,
    keepAlive: true,
  });
}

/** PostgreSQL error code of a driver error (e.g. '23505' unique_violation), or undefined. */
export function pgErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
