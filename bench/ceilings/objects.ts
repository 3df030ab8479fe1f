/**
 * Ceiling 3: the object store. PUT latency of one object of a given size (what one flush costs),
 * GET latency of the same objects, and GET throughput one at a time and with `concurrency` GETs in
 * flight: the better of the two is what a cold catch-up could at best read at.
 */
import { randomBytes } from 'node:crypto';
import type { ObjectStore } from '../../src/objects/object-store.js';
import { mbPerSec, summarize, type LatencySummary } from '../stats.js';

const MIN_GET_BYTES = 128 * 1024 * 1024;

export interface ObjectCeiling {
  sizeBytes: number;
  put: LatencySummary;
  get: LatencySummary;
  /** GET MB/s, one at a time. */
  getMbPerSec: number;
  /** GET MB/s with `concurrency` in flight (at least 128 MB read). */
  getConcurrentMbPerSec: number;
  concurrency: number;
}

export async function measureObjects(store: ObjectStore, sizeBytes: number, n: number, concurrency: number): Promise<ObjectCeiling> {
  // Half random, half zeros: the store must not be able to skip work on either.
  const body = Buffer.alloc(sizeBytes);
  randomBytes(Math.floor(sizeBytes / 2)).copy(body);
  const prefix = `ceiling-${sizeBytes}-${Date.now()}`;
  const keys = Array.from({ length: n }, (_, i) => `${prefix}/obj-${i}`);
  await store.put(`${prefix}/warm`, body);
  await store.get(`${prefix}/warm`);
  const puts: number[] = [];
  for (const key of keys) {
    const t0 = performance.now();
    await store.put(key, body);
    puts.push(performance.now() - t0);
  }
  const gets: number[] = [];
  const t1 = performance.now();
  for (const key of keys) {
    const t0 = performance.now();
    const got = await store.get(key);
    gets.push(performance.now() - t0);
    if (got.length !== sizeBytes) throw new Error(`GET ${key}: ${got.length} bytes, expected ${sizeBytes}`);
  }
  const sequentialMs = performance.now() - t1;
  // Throughput: at least MIN_GET_BYTES or n objects, whichever is more, reading the keys round robin.
  const reads = Math.max(n, Math.ceil(MIN_GET_BYTES / sizeBytes));
  let next = 0;
  const t2 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < reads) await store.get(keys[next++ % keys.length]);
    }),
  );
  const concurrentMs = performance.now() - t2;
  for (const key of [...keys, `${prefix}/warm`]) await store.delete(key);
  return {
    sizeBytes,
    put: summarize(puts),
    get: summarize(gets),
    getMbPerSec: mbPerSec(sizeBytes * n, sequentialMs),
    getConcurrentMbPerSec: mbPerSec(sizeBytes * reads, concurrentMs),
    concurrency,
  };
}
