import { LRUCache } from 'lru-cache';
import type { SegmentRecord } from '../metadata/metadata-store.js';

/**
 * Unframed segment bytes (the partition's batches back to back), bounded in bytes. Flushes write
 * through, so consumers tailing a partition are served from memory; cold reads load a segment
 * once even when several fetches ask for it at the same time.
 */
export class SegmentCache {
  private readonly lru: LRUCache<string, Buffer>;
  private readonly loading = new Map<string, Promise<Buffer>>();
  hits = 0;
  misses = 0;

  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, Buffer>({
      maxSize: Math.max(1, maxBytes),
      sizeCalculation: (b) => Math.max(1, b.length),
    });
  }

  static keyOf(segment: Pick<SegmentRecord, 'objectKey' | 'byteStart'>): string {
    return `${segment.objectKey}@${segment.byteStart}`;
  }

  get sizeBytes(): number {
    return this.lru.calculatedSize;
  }

  put(segment: Pick<SegmentRecord, 'objectKey' | 'byteStart'>, raw: Buffer): void {
    this.lru.set(SegmentCache.keyOf(segment), raw);
  }

  get(segment: Pick<SegmentRecord, 'objectKey' | 'byteStart'>): Buffer | undefined {
    return this.lru.get(SegmentCache.keyOf(segment));
  }

  /** Like get, without making the entry more recent. */
  peek(segment: Pick<SegmentRecord, 'objectKey' | 'byteStart'>): Buffer | undefined {
    return this.lru.peek(SegmentCache.keyOf(segment));
  }

  async load(segment: SegmentRecord, loader: (segment: SegmentRecord) => Promise<Buffer>): Promise<Buffer> {
    const key = SegmentCache.keyOf(segment);
    const cached = this.lru.get(key);
    if (cached) {
      this.hits++;
      return cached;
    }
    this.misses++;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = loader(segment).then(
        (raw) => {
          this.loading.delete(key);
          this.lru.set(key, raw);
          return raw;
        },
        (err: unknown) => {
          this.loading.delete(key);
          throw err;
        },
      );
      this.loading.set(key, pending);
    }
    return pending;
  }

  evict(segment: Pick<SegmentRecord, 'objectKey' | 'byteStart'>): void {
    this.lru.delete(SegmentCache.keyOf(segment));
  }
}
