import { LRUCache } from 'lru-cache';
import type { SegmentRecord } from '../metadata/metadata-store.js';

/**
 * A segment's unframed bytes: its batches back to back, held as one or more parts that each
 * start and end on a batch boundary. A run written by a flush keeps the produce requests' own
 * bytes as parts where that pins no more memory than it holds (see LogWriter), so it is never
 * copied just to be cached.
 */
export type SegmentParts = readonly Buffer[];

export function partsLength(parts: SegmentParts): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

/** The parts as one Buffer (copied only when there are several). */
export function joinParts(parts: SegmentParts): Buffer {
  return parts.length === 1 ? parts[0] : Buffer.concat(parts as Buffer[]);
}

/**
 * Unframed segment bytes, bounded in bytes. Flushes write through, so consumers tailing a
 * partition are served from memory; cold reads load a segment once even when several fetches ask
 * for it at the same time.
 */
export class SegmentCache {
  private readonly lru: LRUCache<string, SegmentParts>;
  private readonly loading = new Map<string, Promise<SegmentParts>>();
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {
    this.lru = new LRUCache<string, SegmentParts>({
      maxSize: Math.max(1, maxBytes),
      sizeCalculation: (parts) => Math.max(1, partsLength(parts)),
    });
  }

  static keyOf(segment: Pick<SegmentRecord, 'objectKey' | 'byteStart'>): string {
    return `${segment.objectKey}@${segment.byteStart}`;
  }

  get sizeBytes(): number {
    return this.lru.calculatedSize;
  }

  put(segment: Pick<SegmentRecord, 'objectKey' | 'byteStart'>, raw: SegmentParts): void {
    this.lru.set(SegmentCache.keyOf(segment), raw);
  }

  /** The cached parts, without making the entry more recent. */
  peek(segment: Pick<SegmentRecord, 'objectKey' | 'byteStart'>): SegmentParts | undefined {
    return this.lru.peek(SegmentCache.keyOf(segment));
  }

  /** Whether the segment is cached or being loaded. */
  has(segment: Pick<SegmentRecord, 'objectKey' | 'byteStart'>): boolean {
    const key = SegmentCache.keyOf(segment);
    return this.lru.has(key) || this.loading.has(key);
  }

  async load(segment: SegmentRecord, loader: (segment: SegmentRecord) => Promise<SegmentParts>): Promise<SegmentParts> {
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
