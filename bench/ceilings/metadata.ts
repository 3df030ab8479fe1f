/**
 * Ceiling 2: one metadata commit. MetadataStore.ping() is one small transaction (BEGIN, UPDATE,
 * COMMIT) on a store of the same kind as the broker's (PGlite in a temp directory for the
 * embedded backend, a fresh database on the PostgreSQL server otherwise), called sequentially.
 */
import type { MetadataStore } from '../../src/metadata/metadata-store.js';
import { summarize, type LatencySummary } from '../stats.js';

export async function measureCommit(store: MetadataStore, n: number): Promise<LatencySummary> {
  for (let i = 0; i < Math.min(20, n); i++) await store.ping();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await store.ping();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}
