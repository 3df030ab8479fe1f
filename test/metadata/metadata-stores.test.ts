import { describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { metadataStoreContract } from './metadata-store.contract.js';
import { openMetadataStore } from '../../src/metadata/open-metadata-store.js';
import type { MetadataStore } from '../../src/metadata/metadata-store.js';
import { createTestDatabase, postgresSkip } from '../support/postgres.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

metadataStoreContract('embedded PGlite', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sh-meta-'));
  let store: MetadataStore = await openMetadataStore({ dataDir, logger });
  return {
    store,
    async reopen() {
      await store.close();
      store = await openMetadataStore({ dataDir, logger });
      return store;
    },
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
});

const skip = await postgresSkip();
if (skip !== false) {
  describe('MetadataStore contract: PostgreSQL', () => {
    it('skipped', { skip }, () => undefined);
  });
} else {
  metadataStoreContract('PostgreSQL', async () => {
    const tdb = await createTestDatabase();
    let store: MetadataStore = await openMetadataStore({ databaseUrl: tdb.url, dataDir: '/nonexistent', logger });
    return {
      store,
      async reopen() {
        await store.close();
        store = await openMetadataStore({ databaseUrl: tdb.url, dataDir: '/nonexistent', logger });
        return store;
      },
      cleanup: () => tdb.drop(),
    };
  });
}
