import type { Logger } from 'pino';
import type { LogManager } from './log-manager.js';
import type { PartitionLog } from './partition-log.js';
import type { SegmentRecord } from '../metadata/metadata-store.js';

/**
 * Enforces retention.ms and retention.bytes by raising a partition's log start offset past whole
 * segments; their rows go, and the objects they leave unreferenced are the garbage collector's.
 */
export class RetentionEnforcer {
  constructor(
    private readonly logs: LogManager,
    private readonly log: Logger,
  ) {}

  async run(now = Date.now()): Promise<void> {
    for (const topic of this.logs.topics()) {
      const { retentionMs, retentionBytes } = topic.config;
      if (retentionMs < 0 && retentionBytes < 0) continue;
      for (const p of topic.partitions) {
        if (p.leaseEpoch === null) continue;
        const newStart = this.newLogStart(p, retentionMs, retentionBytes, now);
        if (newStart !== null) await this.advance(p, newStart);
      }
    }
  }

  /** The log start offset retention asks for, or null when nothing expires. */
  newLogStart(p: PartitionLog, retentionMs: number, retentionBytes: number, now: number): bigint | null {
    let size = p.sizeBytes;
    let start: bigint | null = null;
    const segments: SegmentRecord[] = [...p.segments()];
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      const time = seg.maxTimestamp >= 0n ? Number(seg.maxTimestamp) : seg.createdAt;
      const expiredByTime = retentionMs >= 0 && now - time > retentionMs;
      // Kafka's rule: drop a segment only while what remains is still at least retention.bytes.
      const expiredBySize = retentionBytes >= 0 && size - seg.rawLength >= retentionBytes;
      if (!expiredByTime && !expiredBySize) break;
      size -= seg.rawLength;
      start = i + 1 < segments.length ? segments[i + 1].baseOffset : p.highWatermark;
    }
    return start !== null && start > p.logStartOffset ? start : null;
  }

  async advance(p: PartitionLog, logStartOffset: bigint): Promise<void> {
    const state = await this.logs.metadata.advanceLogStartOffset(p.topicId, p.partition, logStartOffset);
    p.logStartOffset = state.logStartOffset;
    for (const seg of [...p.segments()]) {
      if (seg.lastOffset < p.logStartOffset) {
        p.removeSegment(seg.baseOffset);
        this.logs.cache.evict(seg);
      }
    }
    this.log.info({ partition: p.key, logStartOffset: p.logStartOffset.toString() }, 'retention advanced the log start offset');
  }
}
