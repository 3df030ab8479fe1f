import type { Logger } from 'pino';
import type { MetadataStore, SegmentRecord, TopicRecord } from '../metadata/metadata-store.js';
import type { ObjectStore } from '../objects/object-store.js';
import { LogReader } from './log-reader.js';
import { LogWriter, type AppendResult, type LogWriterOptions } from './log-writer.js';
import { PartitionLog } from './partition-log.js';
import { SegmentCache } from './segment-cache.js';
import { effectiveTopicConfig, type EffectiveTopicConfig } from './topic-config.js';
import { ProducerStateManager, type ProducerBatchHeader } from '../producers/producer-state.js';
import { readBatchHeader } from '../../protocol/records/index.js';
import { splitRun } from './log-reader.js';

/**
 * How much of a partition's tail is read to rebuild idempotent producers' state after a restart.
 * Only the last five batches per producer matter; a producer older than this is treated as
 * unknown, which Kafka (KIP-360) accepts at any sequence.
 */
const PRODUCER_STATE_REBUILD_BYTES = 64 * 1024 * 1024;

export interface LogManagerOptions {
  writer: LogWriterOptions;
  cacheBytes: number;
  leaseTtlMs: number;
  /** Broker-wide defaults for topic configs (e.g. from flags). */
  topicDefaults: Record<string, string>;
}

export interface TopicState {
  record: TopicRecord;
  config: EffectiveTopicConfig;
  partitions: PartitionLog[];
}

/**
 * This agent's view of every topic and partition, and the entry point to the write path
 * (LogWriter) and the read path (LogReader). Loads topics, partitions and segment rows at start
 * and takes the partition leases; keeps them current as topics change.
 */
export class LogManager {
  readonly cache: SegmentCache;
  readonly writer: LogWriter;
  readonly reader: LogReader;
  private readonly byName = new Map<string, TopicState>();
  private readonly byId = new Map<string, TopicState>();
  private leaseTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly options: LogManagerOptions,
    readonly metadata: MetadataStore,
    readonly objects: ObjectStore,
    private readonly log: Logger,
  ) {
    this.cache = new SegmentCache(options.cacheBytes);
    this.writer = new LogWriter(options.writer, metadata, objects, this.cache, log.child({ component: 'writer' }));
    this.reader = new LogReader(objects, this.cache);
  }

  get agentId(): string {
    return this.options.writer.agentId;
  }

  async start(): Promise<void> {
    for (const record of await this.metadata.listTopics()) await this.loadTopic(record);
    const renewEvery = Math.max(1000, Math.floor(this.options.leaseTtlMs / 3));
    this.leaseTimer = setInterval(() => {
      this.metadata.renewLeases(this.agentId, this.options.leaseTtlMs).catch((err: unknown) => {
        this.log.error({ err }, 'lease renewal failed');
      });
    }, renewEvery);
    this.leaseTimer.unref();
  }

  async close(): Promise<void> {
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    await this.writer.close();
    for (const t of this.byName.values()) for (const p of t.partitions) p.notifyAppend();
  }

  topic(name: string): TopicState | undefined {
    return this.byName.get(name);
  }

  topicById(id: string): TopicState | undefined {
    return this.byId.get(id);
  }

  topics(): TopicState[] {
    return [...this.byName.values()].sort((a, b) => (a.record.name < b.record.name ? -1 : 1));
  }

  async createTopic(name: string, partitions: number, configs: Record<string, string>): Promise<TopicState> {
    const record = await this.metadata.createTopic(name, partitions, configs);
    return this.loadTopic(record);
  }

  async deleteTopic(name: string): Promise<boolean> {
    const state = this.byName.get(name);
    const deleted = await this.metadata.deleteTopic(name);
    if (state) this.forget(state);
    return deleted !== null;
  }

  async createPartitions(name: string, count: number): Promise<TopicState> {
    const record = await this.metadata.createPartitions(name, count);
    return this.loadTopic(record, this.byName.get(name)?.partitions);
  }

  async setTopicConfigs(name: string, configs: Record<string, string>): Promise<void> {
    await this.metadata.setTopicConfigs(name, configs);
    const state = this.byName.get(name);
    if (state) {
      state.record = { ...state.record, configs: { ...configs } };
      state.config = effectiveTopicConfig(configs, this.options.topicDefaults);
    }
  }

  /** Appends batches to a partition with its topic's storage options; resolves once durable. */
  append(topic: TopicState, p: PartitionLog, batches: Buffer[]): Promise<AppendResult> {
    return this.writer.append(p, batches, {
      format: topic.config.segmentCompression === 'lz4' ? 'lz4-blocks' : 'raw',
      logAppendTime: topic.config.logAppendTime,
    });
  }

  /** The partition's idempotent-producer state, rebuilt from the tail of its log on first use. */
  producerState(p: PartitionLog): Promise<ProducerStateManager> {
    p.producerState ??= this.rebuildProducerState(p).catch((err: unknown) => {
      p.producerState = null;
      throw err;
    });
    return p.producerState;
  }

  private async rebuildProducerState(p: PartitionLog): Promise<ProducerStateManager> {
    const tail: SegmentRecord[] = [];
    let bytes = 0;
    for (const seg of [...p.segments()].reverse()) {
      if (bytes >= PRODUCER_STATE_REBUILD_BYTES) break;
      tail.unshift(seg);
      bytes += seg.rawLength;
    }
    const headers: ProducerBatchHeader[] = [];
    for (const seg of tail) {
      for (const batch of splitRun(await this.reader.segmentBytes(seg))) {
        const h = readBatchHeader(batch, 0);
        if (h.producerId >= 0n) headers.push(h);
      }
    }
    return ProducerStateManager.fromBatches(headers);
  }

  /**
   * Resolves when any of the partitions gets new data, after `timeoutMs`, or when `signal`
   * aborts: the long-poll of Fetch, woken by commits rather than by polling.
   */
  waitForData(partitions: PartitionLog[], timeoutMs: number): Promise<void> {
    if (partitions.length === 0 || timeoutMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const cancels: (() => void)[] = [];
      const done = (): void => {
        clearTimeout(timer);
        for (const c of cancels) c();
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      for (const p of partitions) cancels.push(p.onNextAppend(done));
    });
  }

  /** Builds the in-memory state of a topic; partitions in `keep` are reused as they are. */
  private async loadTopic(record: TopicRecord, keep: PartitionLog[] = []): Promise<TopicState> {
    const states = await this.metadata.listPartitions(record.id);
    const partitions: PartitionLog[] = [...keep];
    for (const s of states) {
      if (keep.some((p) => p.partition === s.partition)) continue;
      const p = new PartitionLog(record.id, record.name, s.partition, s.highWatermark, s.logStartOffset);
      for (const seg of await this.metadata.listSegments(record.id, s.partition)) p.addSegment(seg);
      // A new epoch on every acquisition by this process: a previous incarnation of the same agent
      // (a process that was thought dead) is fenced as any other writer would be.
      const lease = await this.metadata.acquireLease(this.agentId, record.id, s.partition, this.options.leaseTtlMs, { bumpEpoch: true });
      p.leaseEpoch = lease ? lease.epoch : null;
      if (!lease) this.log.warn({ topic: record.name, partition: s.partition }, 'partition leased by another agent');
      partitions.push(p);
    }
    partitions.sort((a, b) => a.partition - b.partition);
    const state: TopicState = { record, config: effectiveTopicConfig(record.configs, this.options.topicDefaults), partitions };
    this.byName.set(record.name, state);
    this.byId.set(record.id, state);
    return state;
  }

  private forget(state: TopicState): void {
    this.byName.delete(state.record.name);
    this.byId.delete(state.record.id);
    for (const p of state.partitions) {
      p.leaseEpoch = null;
      p.notifyAppend();
    }
  }
}
