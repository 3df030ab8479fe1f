/**
 * Everything StreamHouse knows besides the bytes of the log: topics, partitions with their high
 * watermark and log start offset, the segments that hold each partition's batches, consumer
 * offsets, agents and partition leases, producer ids.
 *
 * ONE implementation (SqlMetadataStore on pg-promise) serves both a real PostgreSQL and the
 * embedded PGlite; the same contract suite (test/metadata/metadata-store.contract.ts) runs on both.
 *
 * Offsets and timestamps are bigint (int64 on the wire and in SQL). Topic ids are UUID strings in
 * canonical lower-case 8-4-4-4-12 form.
 */

/** How a segment's batches are stored: as is, one LZ4 frame (older segments), or LZ4 blocks (lz4-blocks.ts). */
export type SegmentFormat = 'raw' | 'lz4' | 'lz4-blocks';

export interface TopicRecord {
  id: string;
  name: string;
  partitionCount: number;
  /** Only the configs set on the topic (overrides); defaults are applied by the caller. */
  configs: Record<string, string>;
}

export interface PartitionState {
  topicId: string;
  topicName: string;
  partition: number;
  /** Offset of the next record to be written; records below it are committed. */
  highWatermark: bigint;
  /** First offset still readable (raised by retention and DeleteRecords). */
  logStartOffset: bigint;
}

/** One partition's run of batches inside one object. */
export interface SegmentRecord {
  topicId: string;
  partition: number;
  baseOffset: bigint;
  /** Last offset in the run, inclusive. */
  lastOffset: bigint;
  objectKey: string;
  /** Where the run's (possibly LZ4-framed) bytes sit in the object. */
  byteStart: number;
  byteLength: number;
  /** Length of the run's batches once unframed (equal to byteLength for 'raw'). */
  rawLength: number;
  format: SegmentFormat;
  /** Largest batch max-timestamp in the run (the per-segment time index), -1 when unknown. */
  maxTimestamp: bigint;
  /** Milliseconds since the epoch when the row was written (drives merging and time-based retention). */
  createdAt: number;
}

/** A run to record as part of one object commit. */
export interface RunCommit {
  segment: Omit<SegmentRecord, 'objectKey' | 'createdAt'>;
  /**
   * The writer's lease epoch on this partition: a stale writer is fenced. Epochs start at 1; 0 matches
   * only a partition that has never been leased (single-writer setups without leases).
   */
  leaseEpoch: number;
  /** The high watermark the writer assumed when it assigned offsets (= segment.baseOffset). */
  expectedHighWatermark: bigint;
}

/**
 * Per run: 'committed' (segment row written, high watermark now segment.lastOffset + 1),
 * 'fenced' (another writer holds the lease or the high watermark moved), or
 * 'unknown_partition' (topic or partition deleted meanwhile).
 */
export type RunOutcome = 'committed' | 'fenced' | 'unknown_partition';

export interface ObjectCommit {
  key: string;
  size: number;
  agentId: string;
}

export interface Lease {
  topicId: string;
  partition: number;
  agentId: string;
  epoch: number;
  expiresAt: number;
}

export interface AcquireLeaseOptions {
  /** Bump the epoch even when the lease is already ours (e.g. after a restart under the same agent id). */
  bumpEpoch?: boolean;
}

export interface AgentRecord {
  agentId: string;
  host: string;
  port: number;
  lastHeartbeat: number;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
  commitTimestamp: number;
}

export interface MetadataStore {
  /** Applies pending migrations (idempotent, each in a transaction). */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Latency probe for benchmarks: one BEGIN/UPDATE/COMMIT round. */
  ping(): Promise<void>;

  // --- topics and partitions ---
  /** Creates the topic and its partitions (high watermark 0). Rejects with TopicExistsError. */
  createTopic(name: string, partitionCount: number, configs: Record<string, string>): Promise<TopicRecord>;
  getTopic(name: string): Promise<TopicRecord | null>;
  listTopics(): Promise<TopicRecord[]>;
  /** Removes the topic, its partitions, segment rows, leases and producer state; returns it, or null. */
  deleteTopic(name: string): Promise<TopicRecord | null>;
  /** Grows the topic to `partitionCount` partitions. Rejects with InvalidPartitionsError when not larger. */
  createPartitions(name: string, partitionCount: number): Promise<TopicRecord>;
  /** Replaces the topic's config overrides. */
  setTopicConfigs(name: string, configs: Record<string, string>): Promise<void>;
  /** All partitions, or one topic's, ordered by topic name then partition. */
  listPartitions(topicId?: string): Promise<PartitionState[]>;

  // --- segments and objects ---
  /** Segment rows of one partition ordered by base offset. */
  listSegments(topicId: string, partition: number): Promise<SegmentRecord[]>;
  /**
   * ONE transaction: records the object, then for each run checks the lease epoch and expected
   * high watermark, writes the segment row and advances the high watermark. outcomes[i] answers runs[i].
   * Runs that are not committed leave no row.
   */
  commitObject(object: ObjectCommit, runs: RunCommit[]): Promise<RunOutcome[]>;
  /**
   * The merger's swap, in ONE transaction: records `object`, deletes the rows of `replaced` (base
   * offsets of one partition) and inserts `merged`. Returns false (and changes nothing) when any
   * replaced row is already gone.
   */
  replaceSegments(object: ObjectCommit, replaced: { topicId: string; partition: number; baseOffsets: bigint[] }, merged: Omit<SegmentRecord, 'createdAt'>): Promise<boolean>;
  /** Raises the log start offset (never lowers it) and deletes segment rows entirely below it. */
  advanceLogStartOffset(topicId: string, partition: number, logStartOffset: bigint): Promise<PartitionState>;
  /** Keys of recorded objects that no segment row references any more, oldest first. */
  listUnreferencedObjects(limit: number): Promise<string[]>;
  /** Forgets object rows (after the objects were deleted from the store). */
  deleteObjectRecords(keys: string[]): Promise<void>;
  /** Every object key recorded, for orphan detection. */
  listObjectKeys(): Promise<string[]>;

  // --- agents and leases ---
  registerAgent(agent: Omit<AgentRecord, 'lastHeartbeat'>): Promise<void>;
  heartbeatAgent(agentId: string): Promise<void>;
  listAgents(): Promise<AgentRecord[]>;
  /**
   * Takes the lease on a partition for `agentId` when it is free, expired or already ours, bumping
   * the epoch when ownership changes hands (or on every acquisition when `bumpEpoch`). Returns the
   * lease, or null when another agent holds a live lease.
   */
  acquireLease(agentId: string, topicId: string, partition: number, ttlMs: number, options?: AcquireLeaseOptions): Promise<Lease | null>;
  renewLeases(agentId: string, ttlMs: number): Promise<number>;
  listLeases(): Promise<Lease[]>;

  // --- consumer offsets ---
  commitOffsets(groupId: string, offsets: Omit<CommittedOffset, 'commitTimestamp'>[]): Promise<void>;
  /** Committed offsets of a group, for the given topics, or all when `topics` is undefined. */
  fetchOffsets(groupId: string, topics?: string[]): Promise<CommittedOffset[]>;
  deleteOffsets(groupId: string, partitions: { topic: string; partition: number }[]): Promise<void>;
  deleteGroupOffsets(groupId: string): Promise<void>;
  listOffsetGroups(): Promise<string[]>;

  // --- producers ---
  /** A new producer id, unique across agents and restarts. */
  allocateProducerId(): Promise<bigint>;
}

export class TopicExistsError extends Error {
  readonly code = 'TOPIC_EXISTS';
  constructor(readonly topic: string) {
    super(`topic already exists: ${topic}`);
    this.name = 'TopicExistsError';
  }
}

export class InvalidPartitionsError extends Error {
  readonly code = 'INVALID_PARTITIONS';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPartitionsError';
  }
}

export class UnknownTopicError extends Error {
  readonly code = 'UNKNOWN_TOPIC';
  constructor(readonly topic: string) {
    super(`unknown topic: ${topic}`);
    this.name = 'UnknownTopicError';
  }
}
