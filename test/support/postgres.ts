/**
 * Test databases on a real PostgreSQL. `DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test)
 * names an existing database used only to CREATE/DROP fresh ones (`sh_test_<random>`), so tests never
 * see each other's data. When the server is unreachable, `postgresUnavailable()` gives the reason to
 * skip (`postgresSkip()`), unless REQUIRE_POSTGRES=1, when the tests run and fail.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { pgp } from '../../src/metadata/pg.js';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export function baseDatabaseUrl(): string {
  return process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
}

let probe: Promise<string | null> | undefined;

/** null when PostgreSQL answers; otherwise why not. */
export async function postgresUnavailable(): Promise<string | null> {
  probe ??= (async () => {
    const db = pgp({ connectionString: baseDatabaseUrl(), max: 1, connectionTimeoutMillis: 3000 });
    try {
      await db.one('SELECT 1 AS ok');
      return null;
    } catch (err) {
      return `PostgreSQL unreachable at ${baseDatabaseUrl()} (${(err as Error).message}); set DATABASE_URL, or REQUIRE_POSTGRES=1 to fail`;
    } finally {
      await db.$pool.end();
    }
  })();
  return probe;
}

/**
 * For `{ skip }` of node:test: the skip message when PostgreSQL is unreachable, or false — also when
 * it is unreachable but REQUIRE_POSTGRES=1, so that the tests run and fail.
 */
export async function postgresSkip(): Promise<string | false> {
  const reason = await postgresUnavailable();
  return reason !== null && process.env.REQUIRE_POSTGRES !== '1' ? reason : false;
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database `sh_test_<random>` next to the DATABASE_URL one. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `sh_test_${randomBytes(6).toString('hex')}`;
  const admin = pgp({ connectionString: baseDatabaseUrl(), max: 1 });
  try {
    await admin.none('CREATE DATABASE $1:name', [name]);
  } finally {
    await admin.$pool.end();
  }
  const u = new URL(baseDatabaseUrl());
  u.pathname = `/${name}`;
  const url = u.toString();
  return {
    name,
    url,
    async drop() {
      const a = pgp({ connectionString: baseDatabaseUrl(), max: 1 });
      try {
        // A pool's end() resolves when its clients were told to end, not when their backends are
        // gone; FORCE would then terminate a backend whose client is still closing, and that
        // client throws "terminating connection due to administrator command". Wait for them.
        for (let waited = 0; waited < 5000; waited += 20) {
          const { n } = await a.one<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
          if (n === 0) break;
          await sleep(20);
        }
        await a.none('DROP DATABASE IF EXISTS $1:name WITH (FORCE)', [name]);
      } finally {
        await a.$pool.end();
      }
    },
  };
}
