import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import pino from 'pino';
import { findMigrationsDir, loadMigrations, migrate } from '../../src/metadata/migrator.js';
import { connect } from '../../src/metadata/pg.js';
import { openMetadataStore } from '../../src/metadata/open-metadata-store.js';
import { createTestDatabase, postgresSkip } from '../support/postgres.js';

const logger = pino({ level: 'silent' });

describe('migrator: files', () => {
  it('finds the package migrations/ directory with 0001_init first', async () => {
    const dir = await findMigrationsDir();
    assert.equal(basename(dir), 'migrations');
    const ms = await loadMigrations(dir);
    assert.ok(ms.length >= 1);
    assert.deepEqual([ms[0].version, ms[0].name], [1, 'init']);
    ms.forEach((m, i) => assert.equal(m.version, i + 1));
  });

  it('rejects bad names and gaps', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sh-mig-'));
    try {
      await writeFile(join(dir, '0001_a.sql'), 'SELECT 1');
      await writeFile(join(dir, '0003_c.sql'), 'SELECT 1');
      await assert.rejects(loadMigrations(dir), /without gaps/);
      await rm(join(dir, '0003_c.sql'));
      await writeFile(join(dir, '2_b.sql'), 'SELECT 1');
      await assert.rejects(loadMigrations(dir), /bad migration file name/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const skip = await postgresSkip();

describe('migrator: PostgreSQL', () => {

  it('applies once, concurrently from several pools, records schema_migrations', { skip }, async () => {
    const tdb = await createTestDatabase();
    try {
      const stores = await Promise.all(Array.from({ length: 4 }, () => openMetadataStore({ databaseUrl: tdb.url, dataDir: '/nonexistent', logger })));
      const db = connect({ connection: tdb.url, max: 1 });
      try {
        const rows = await db.any<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
        const files = await loadMigrations();
        assert.deepEqual(
          rows.map((r) => [r.version, r.name]),
          files.map((m) => [m.version, m.name]),
        );
        // a second run is a no-op
        const again = await migrate(db, logger);
        assert.deepEqual(again.applied, []);
        assert.deepEqual(again.skipped, files.map((m) => m.version));
        // the advisory lock was released
        const locks = await db.one<{ n: bigint }>("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
        assert.equal(locks.n, 0n);
      } finally {
        await db.$pool.end();
        await Promise.all(stores.map((s) => s.close()));
      }
    } finally {
      await tdb.drop();
    }
  });

  it('rolls back a failing migration and refuses a database from a newer version', { skip }, async () => {
    const tdb = await createTestDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'sh-mig-'));
    const db = connect({ connection: tdb.url, max: 2 });
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, '0001_one.sql'), 'CREATE TABLE one (a int);');
      await writeFile(join(dir, '0002_two.sql'), 'CREATE TABLE two (a int); SELECT no_such_function();');
      await assert.rejects(migrate(db, logger, { migrationsDir: dir }));
      const rows = await db.any<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(rows.map((r) => r.version), [1]);
      const two = await db.one<{ t: string | null }>("SELECT to_regclass('two')::text AS t");
      assert.equal(two.t, null, 'the failed migration left nothing behind');
      await writeFile(join(dir, '0002_two.sql'), 'CREATE TABLE two (a int);');
      assert.deepEqual((await migrate(db, logger, { migrationsDir: dir })).applied, [2]);
      await rm(join(dir, '0002_two.sql'));
      await assert.rejects(migrate(db, logger, { migrationsDir: dir }), /newer StreamHouse/);
    } finally {
      await db.$pool.end();
      await rm(dir, { recursive: true, force: true });
      await tdb.drop();
    }
  });
});
