import sortedBtree from 'sorted-btree';
import type { SegmentRecord } from '../metadata/metadata-store.js';
import type { ProducerStateManager } from '../producers/producer-state.js';

// sorted-btree is CommonJS with `exports.default = BTree`: native ESM hands us the module object,
// while CommonJS-style interop (tsx on a .cts path) may already unwrap it.
const BTree: typeof sortedBtree.default =
  typeof sortedBtree.default === 'function' ? sortedBtree.default : (sortedBtree as unknown as typeof sortedBtree.default);
type BTreeOf<K, V> = InstanceType<typeof BTree<K, V>>;

const compareBigint = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * What this agent knows of one partition: committed bounds, the segment index (base offset →
 * segment row, a B-tree so that "which segment holds offset X" is a logarithmic lookup), the
 * lease epoch it writes under, and the fetches waiting for new data.
 */
export class PartitionLog {
  readonly key: string;
  /** Offset of the next record to commit; everything below is durable and readable. */
  highWatermark: bigint;
  /** The next offset the writer hands out: above the high watermark while flushes are in flight. */
  nextOffset: bigint;
  /**
   * Bumped whenever offsets handed out but not committed are taken back (a flush failed): runs
   * prepared under an older generation must not be committed.
   */
  writeGeneration = 0;
  logStartOffset: bigint;
  /** The lease epoch this agent writes under; null while it holds no lease. */
  leaseEpoch: number | null = null;
  private readonly index: BTreeOf<bigint, SegmentRecord> = new BTree<bigint, SegmentRecord>(undefined, compareBigint);
  private readonly waiters = new Set<() => void>();
  /** Idempotent producers' recent sequences; built from the log's tail on first use. */
  producerState: Promise<ProducerStateManager> | null = null;
  /** Total bytes of batches in the index (the raw length of every segment). */
  private rawBytes = 0;

  constructor(
    readonly topicId: string,
    readonly topicName: string,
    readonly partition: number,
    highWatermark: bigint,
    logStartOffset: bigint,
  ) {
    this.key = `${topicId}:${partition}`;
    this.highWatermark = highWatermark;
    this.nextOffset = highWatermark;
    this.logStartOffset = logStartOffset;
  }

  /** Takes back every offset handed out beyond the high watermark. */
  discardUncommitted(): void {
    this.writeGeneration++;
    this.nextOffset = this.highWatermark;
  }

  get segmentCount(): number {
    return this.index.size;
  }

  /** Sum of the raw (unframed) lengths of the segments: the partition's size for retention.bytes. */
  get sizeBytes(): number {
    return this.rawBytes;
  }

  addSegment(segment: SegmentRecord): void {
    const previous = this.index.get(segment.baseOffset);
    if (previous) this.rawBytes -= previous.rawLength;
    this.index.set(segment.baseOffset, segment);
    this.rawBytes += segment.rawLength;
  }

  removeSegment(baseOffset: bigint): void {
    const previous = this.index.get(baseOffset);
    if (!previous) return;
    this.index.delete(baseOffset);
    this.rawBytes -= previous.rawLength;
  }

  /** The segment holding `offset`, or undefined when no segment covers it. */
  segmentFor(offset: bigint): SegmentRecord | undefined {
    const pair = this.index.getPairOrNextLower(offset);
    if (!pair) return undefined;
    const seg = pair[1];
    return offset <= seg.lastOffset ? seg : undefined;
  }

  /** The first segment whose base offset is above `offset`. */
  segmentAfter(offset: bigint): SegmentRecord | undefined {
    const pair = this.index.nextHigherPair(offset);
    return pair?.[1];
  }

  /** Segments in offset order, from the one holding `fromOffset` (or the first) onwards. */
  *segments(fromOffset?: bigint): IterableIterator<SegmentRecord> {
    let start = fromOffset;
    if (fromOffset !== undefined) {
      const holder = this.index.getPairOrNextLower(fromOffset);
      start = holder ? holder[0] : undefined;
    }
    for (const [, seg] of this.index.entries(start)) yield seg;
  }

  /** Calls `wake` once, the next time data is committed (or the partition is closed). */
  onNextAppend(wake: () => void): () => void {
    this.waiters.add(wake);
    return () => this.waiters.delete(wake);
  }

  notifyAppend(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }
}
