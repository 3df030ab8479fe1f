/**
 * A tiny forward-only migrator: `migrations/NNNN_name.sql`, applied in order, each in its own
 * transaction together with its row in `schema_migrations`. Idempotent (applied versions are
 * skipped) and safe when several processes start at once: the whole run holds a session advisory
 * lock on one connection.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Db } from './pg.js';

/** Arbitrary constant: the advisory lock key of the migrator ("SHMIGRAT" in ASCII, truncated to int8). */
export const MIGRATION_LOCK_KEY = 0x53484d4947524154n;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: number[];
  skipped: number[];
}

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

let cachedDir: string | undefined;

/**
 * The `migrations/` directory of this package: found by walking up from this file to the
 * directory holding package.json (works from src/ under tsx and from dist/src/ when installed).
 */
export async function findMigrationsDir(): Promise<string> {
  if (cachedDir !== undefined) return cachedDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'migrations');
    const hasPkg = await stat(join(dir, 'package.json')).then(
      () => true,
      () => false,
    );
    if (hasPkg) {
      const ok = await stat(candidate).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (!ok) throw new Error(`package root ${dir} has no migrations/ directory`);
      cachedDir = candidate;
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('migrations/ directory not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export async function loadMigrations(dir?: string): Promise<Migration[]> {
  const d = dir ?? (await findMigrationsDir());
  const out: Migration[] = [];
  for (const file of (await readdir(d)).sort()) {
    if (!file.endsWith('.sql')) continue;
    const m = FILE_RE.exec(file);
    if (!m) throw new Error(`bad migration file name ${file} (want NNNN_lower_snake.sql)`);
    const sql = await readFile(join(d, file), 'utf8');
    out.push({ version: Number(m[1]), name: m[2], sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  out.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations must be numbered 0001, 0002, … without gaps; found ${m.version} at position ${i + 1}`);
  });
  return out;
}

export async function migrate(db: Db, logger?: Logger, options: { migrationsDir?: string } = {}): Promise<MigrateResult> {
  const migrations = await loadMigrations(options.migrationsDir);
  return db.task('migrate', async (t) => {
    await t.one('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await t.none(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer PRIMARY KEY,
        name       text    NOT NULL,
        checksum   text    NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const rows = await t.any<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations');
      const done = new Map(rows.map((r) => [r.version, r.checksum]));
      const unknown = [...done.keys()].filter((v) => !migrations.some((m) => m.version === v));
      if (unknown.length > 0) {
        throw new Error(`database has migrations ${unknown.join(', ')} that this version does not know: it was migrated by a newer StreamHouse`);
      }
      const result: MigrateResult = { applied: [], skipped: [] };
      for (const m of migrations) {
        const recorded = done.get(m.version);
        if (recorded !== undefined) {
          if (recorded !== m.checksum) {
            logger?.warn({ version: m.version, name: m.name }, 'applied migration file has changed since it was applied (ignored)');
          }
          result.skipped.push(m.version);
          continue;
        }
        const started = Date.now();
        await t.tx(`migration ${m.version}`, async (tx) => {
          await tx.none(m.sql);
          await tx.none('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
        });
        logger?.info({ version: m.version, name: m.name, ms: Date.now() - started }, 'applied migration');
        result.applied.push(m.version);
      }
      return result;
    } finally {
      await t.one('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  });
}
