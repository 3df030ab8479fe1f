/**
 * MetadataStore in SQL on pg-promise. The same code and the same migrations serve a real
 * PostgreSQL and the embedded PGlite (reached over pglite-socket, pool size 1).
 *
 * Conventions inside this file:
 * - Every query inside a task/transaction callback uses the callback's `t`, never `this.db`:
 *   with PGlite the pool has ONE connection and using `this.db` there would deadlock.
 * - Time columns are int8 milliseconds from the database clock (`sh_now_ms()`), converted to
 *   `number` at the boundary; offsets and timestamps of records stay `bigint`.
 * - Hot paths (commitObject) are one SQL statement = one round trip, atomic without BEGIN/COMMIT.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type {
  AcquireLeaseOptions,
  AgentRecord,
  CommittedOffset,
  Lease,
  MetadataStore,
  ObjectCommit,
  PartitionState,
  RunCommit,
  RunOutcome,
  SegmentFormat,
  SegmentRecord,
  TopicRecord,
} from './metadata-store.js';
import { InvalidPartitionsError, TopicExistsError, UnknownTopicError } from './metadata-store.js';
import { pgp, pgErrorCode } from './pg.js';
import type { Db } from './pg.js';
import { migrate as runMigrations } from './migrator.js';

const as = pgp.as;

// ---- row shapes (as pg returns them with our type parsers) ----

interface TopicRow {
  id: string;
  name: string;
  partition_count: number;
  configs: Record<string, string>;
}

interface PartitionRow {
  topic_id: string;
  topic_name: string;
  partition: number;
  high_watermark: bigint;
  log_start_offset: bigint;
}

interface SegmentRow {
  topic_id: string;
  partition: number;
  base_offset: bigint;
  last_offset: bigint;
  object_key: string;
  byte_start: bigint;
  byte_length: bigint;
  raw_length: bigint;
  format: SegmentFormat;
  max_timestamp: bigint;
  created_at: bigint;
}

interface LeaseRow {
  topic_id: string;
  partition: number;
  agent_id: string;
  epoch: number;
  expires_at: bigint;
}

interface AgentRow {
  agent_id: string;
  host: string;
  port: number;
  last_heartbeat: bigint;
}

interface OffsetRow {
  topic: string;
  partition: number;
  committed_offset: bigint;
  leader_epoch: number;
  metadata: string | null;
  commit_timestamp: bigint;
}

const toTopic = (r: TopicRow): TopicRecord => ({
  id: r.id,
  name: r.name,
  partitionCount: r.partition_count,
  configs: { ...r.configs },
});

const toPartition = (r: PartitionRow): PartitionState => ({
  topicId: r.topic_id,
  topicName: r.topic_name,
  partition: r.partition,
  highWatermark: r.high_watermark,
  logStartOffset: r.log_start_offset,
});

const toSegment = (r: SegmentRow): SegmentRecord => ({
  topicId: r.topic_id,
  partition: r.partition,
  baseOffset: r.base_offset,
  lastOffset: r.last_offset,
  objectKey: r.object_key,
  byteStart: Number(r.byte_start),
  byteLength: Number(r.byte_length),
  rawLength: Number(r.raw_length),
  format: r.format,
  maxTimestamp: r.max_timestamp,
  createdAt: Number(r.created_at),
});

const toLease = (r: LeaseRow): Lease => ({
  topicId: r.topic_id,
  partition: r.partition,
  agentId: r.agent_id,
  epoch: r.epoch,
  expiresAt: Number(r.expires_at),
});

const SEGMENT_COLUMNS =
  'topic_id, partition, base_offset, last_offset, object_key, byte_start, byte_length, raw_length, format, max_timestamp, created_at';

/** A maximal sequence of runs of one partition that follow each other (and share a lease epoch). */
interface Chain {
  id: number;
  topicId: string;
  partition: number;
  leaseEpoch: number;
  expected: bigint;
  newHighWatermark: bigint;
  firstBase: bigint;
  runs: number[];
}

function checkStringMap(configs: Record<string, string>): void {
  for (const [k, v] of Object.entries(configs)) {
    if (typeof v !== 'string') throw new TypeError(`config ${k} must be a string, got ${typeof v}`);
  }
}

function checkObject(object: ObjectCommit): void {
  if (!Number.isSafeInteger(object.size) || object.size < 0) throw new RangeError(`bad object size ${object.size}`);
  if (object.key === '' || object.key.startsWith('/') || object.key.includes('..')) throw new RangeError(`bad object key ${object.key}`);
}

function checkSegment(s: Omit<SegmentRecord, 'objectKey' | 'createdAt'>): void {
  if (s.baseOffset < 0n || s.lastOffset < s.baseOffset) throw new RangeError(`bad run offsets ${s.baseOffset}..${s.lastOffset}`);
  if (!Number.isInteger(s.partition) || s.partition < 0) throw new RangeError(`bad partition ${s.partition}`);
  for (const [name, v] of [
    ['byteStart', s.byteStart],
    ['byteLength', s.byteLength],
    ['rawLength', s.rawLength],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`bad ${name} ${v}`);
  }
}

/**
 * commitObject's statement: fixed text with array parameters (unnest), so that it is a named
 * prepared statement, parsed and planned once per connection whatever the number of runs.
 * $1..$7 the chains, $8..$15 their runs' segments, $16..$18 the object.
 */
function commitRoundText(first: boolean): string {
  const createdAt = first ? '(SELECT created_at FROM obj)' : '(SELECT created_at FROM objects WHERE key = $16)';
  return `WITH ${
    first
      ? `obj AS (
    INSERT INTO objects (key, size, agent_id) VALUES ($16, $17, $18)
    ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key
    RETURNING created_at
  ),`
      : ''
  }
  c AS (
    SELECT * FROM unnest($1::int[], $2::uuid[], $3::int[], $4::int[], $5::int8[], $6::int8[], $7::int8[])
      AS c (chain, topic_id, partition, lease_epoch, expected, new_hwm, first_base)
  ),
  locked AS (
    SELECT p.topic_id, p.partition FROM partitions p JOIN c ON p.topic_id = c.topic_id AND p.partition = c.partition
     ORDER BY p.topic_id, p.partition FOR UPDATE OF p
  ),
  upd AS (
    UPDATE partitions p SET high_watermark = c.new_hwm
      FROM c, locked l
     WHERE p.topic_id = c.topic_id AND p.partition = c.partition
       AND l.topic_id = c.topic_id AND l.partition = c.partition
       AND p.high_watermark = c.expected
       AND c.lease_epoch = COALESCE((SELECT le.epoch FROM partition_leases le WHERE le.topic_id = c.topic_id AND le.partition = c.partition), 0)
    RETURNING c.chain
  ),
  s AS (
    SELECT * FROM unnest($8::int[], $9::int8[], $10::int8[], $11::int8[], $12::int8[], $13::int8[], $14::text[], $15::int8[])
      AS s (chain, base_offset, last_offset, byte_start, byte_length, raw_length, format, max_timestamp)
  ),
  ins AS (
    INSERT INTO segments (${SEGMENT_COLUMNS})
    SELECT c.topic_id, c.partition, s.base_offset, s.last_offset, $16, s.byte_start, s.byte_length,
           s.raw_length, s.format, s.max_timestamp, ${createdAt}
      FROM s JOIN upd ON upd.chain = s.chain JOIN c ON c.chain = s.chain
  )
SELECT c.chain,
       CASE WHEN EXISTS (SELECT 1 FROM upd WHERE upd.chain = c.chain) THEN 'committed'
            WHEN NOT EXISTS (SELECT 1 FROM partitions p WHERE p.topic_id = c.topic_id AND p.partition = c.partition) THEN 'unknown_partition'
            WHEN EXISTS (SELECT 1 FROM segments x WHERE x.topic_id = c.topic_id AND x.partition = c.partition
                           AND x.base_offset = c.first_base AND x.object_key = $16) THEN 'committed'
            ELSE 'fenced' END AS outcome
  FROM c`;
}

const COMMIT_FIRST_ROUND = { name: 'sh_commit_object_v1', text: commitRoundText(true) };
const COMMIT_LATER_ROUND = { name: 'sh_commit_object_more_v1', text: commitRoundText(false) };

function commitRoundStatement(object: ObjectCommit, round: Chain[], runs: RunCommit[], first: boolean): { name: string; text: string; values: unknown[] } {
  const cols: unknown[][] = Array.from({ length: 15 }, () => []);
  for (const c of round) {
    cols[0].push(c.id);
    cols[1].push(c.topicId);
    cols[2].push(c.partition);
    cols[3].push(c.leaseEpoch);
    cols[4].push(c.expected);
    cols[5].push(c.newHighWatermark);
    cols[6].push(c.firstBase);
    for (const i of c.runs) {
      const seg = runs[i].segment;
      cols[7].push(c.id);
      cols[8].push(seg.baseOffset);
      cols[9].push(seg.lastOffset);
      cols[10].push(seg.byteStart);
      cols[11].push(seg.byteLength);
      cols[12].push(seg.rawLength);
      cols[13].push(seg.format);
      cols[14].push(seg.maxTimestamp);
    }
  }
  const stmt = first ? COMMIT_FIRST_ROUND : COMMIT_LATER_ROUND;
  // The later-round text uses only $16 of the object's parameters (unused ones would have no type).
  return { ...stmt, values: first ? [...cols, object.key, object.size, object.agentId] : [...cols, object.key] };
}

export interface SqlMetadataStoreOptions {
  logger?: Logger;
  /** Called by close() after the pool has ended (e.g. stops the embedded server). */
  onClose?: () => Promise<void>;
  /** Where the migrations live; default: the package's migrations/ directory. */
  migrationsDir?: string;
  /** For logs: `postgres` or `pglite`. */
  kind?: string;
}

export class SqlMetadataStore implements MetadataStore {
  readonly kind: string;
  private closed = false;

  constructor(
    readonly db: Db,
    private readonly options: SqlMetadataStoreOptions = {},
  ) {
    this.kind = options.kind ?? 'postgres';
  }

  async migrate(): Promise<void> {
    await runMigrations(this.db, this.options.logger, { migrationsDir: this.options.migrationsDir });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.db.$pool.end();
    } finally {
      await this.options.onClose?.();
    }
  }

  async ping(): Promise<void> {
    await this.db.tx('ping', (t) => t.none('UPDATE ping SET n = n + 1 WHERE id = 1'));
  }

  // ---------------------------------------------------------------- topics and partitions

  async createTopic(name: string, partitionCount: number, configs: Record<string, string>): Promise<TopicRecord> {
    if (!Number.isInteger(partitionCount) || partitionCount < 1) {
      throw new InvalidPartitionsError(`number of partitions must be at least 1, got ${partitionCount}`);
    }
    checkStringMap(configs);
    const row = await this.db.oneOrNone<TopicRow>(
      `WITH t AS (
         INSERT INTO topics (id, name, partition_count, configs) VALUES ($1, $2, $3, $4:json)
         ON CONFLICT (name) DO NOTHING
         RETURNING id, name, partition_count, configs
       ), p AS (
         INSERT INTO partitions (topic_id, partition) SELECT t.id, g FROM t, generate_series(0, t.partition_count - 1) g
       )
       SELECT * FROM t`,
      [randomUUID(), name, partitionCount, configs],
    );
    if (row === null) throw new TopicExistsError(name);
    return toTopic(row);
  }

  async getTopic(name: string): Promise<TopicRecord | null> {
    const row = await this.db.oneOrNone<TopicRow>('SELECT id, name, partition_count, configs FROM topics WHERE name = $1', [name]);
    return row === null ? null : toTopic(row);
  }

  async listTopics(): Promise<TopicRecord[]> {
    const rows = await this.db.any<TopicRow>('SELECT id, name, partition_count, configs FROM topics ORDER BY name');
    return rows.map(toTopic);
  }

  async deleteTopic(name: string): Promise<TopicRecord | null> {
    // partitions, segments and leases go by ON DELETE CASCADE; objects become unreferenced.
    const row = await this.db.oneOrNone<TopicRow>('DELETE FROM topics WHERE name = $1 RETURNING id, name, partition_count, configs', [name]);
    return row === null ? null : toTopic(row);
  }

  async createPartitions(name: string, partitionCount: number): Promise<TopicRecord> {
    return this.db.tx('createPartitions', async (t) => {
      const current = await t.oneOrNone<TopicRow>('SELECT id, name, partition_count, configs FROM topics WHERE name = $1 FOR UPDATE', [name]);
      if (current === null) throw new UnknownTopicError(name);
      if (!Number.isInteger(partitionCount) || partitionCount <= current.partition_count) {
        throw new InvalidPartitionsError(`topic ${name} has ${current.partition_count} partitions; the new count must be larger, got ${partitionCount}`);
      }
      const row = await t.one<TopicRow>(
        `WITH p AS (
           INSERT INTO partitions (topic_id, partition) SELECT $1, g FROM generate_series($2::int, $3::int - 1) g
         )
         UPDATE topics SET partition_count = $3 WHERE id = $1 RETURNING id, name, partition_count, configs`,
        [current.id, current.partition_count, partitionCount],
      );
      return toTopic(row);
    });
  }

  async setTopicConfigs(name: string, configs: Record<string, string>): Promise<void> {
    checkStringMap(configs);
    const r = await this.db.result('UPDATE topics SET configs = $2:json WHERE name = $1', [name, configs]);
    if (r.rowCount === 0) throw new UnknownTopicError(name);
  }

  async listPartitions(topicId?: string): Promise<PartitionState[]> {
    const rows = await this.db.any<PartitionRow>(
      `SELECT p.topic_id, t.name AS topic_name, p.partition, p.high_watermark, p.log_start_offset
         FROM partitions p JOIN topics t ON t.id = p.topic_id
        ${topicId === undefined ? '' : 'WHERE p.topic_id = $1'}
        ORDER BY t.name, p.partition`,
      topicId === undefined ? [] : [topicId],
    );
    return rows.map(toPartition);
  }

  // ---------------------------------------------------------------- segments and objects

  async listSegments(topicId: string, partition: number): Promise<SegmentRecord[]> {
    const rows = await this.db.any<SegmentRow>(
      `SELECT ${SEGMENT_COLUMNS} FROM segments WHERE topic_id = $1 AND partition = $2 ORDER BY base_offset`,
      [topicId, partition],
    );
    return rows.map(toSegment);
  }

  /**
   * Runs are grouped into chains (consecutive runs of one partition with one lease epoch); each
   * chain is one row in a set-based UPDATE … FROM (VALUES …) that checks the lease epoch and the
   * expected high watermark, and the matched chains' segments go in with one multi-row INSERT, all
   * in ONE statement (atomic on its own, one round trip). The statement is a named prepared
   * statement with array parameters, so it is parsed and planned once per connection. A partition
   * with several chains in one commit (unusual) needs a statement per chain "round", run in order in
   * one transaction.
   *
   * Rows are locked in (topic_id, partition) order first, so concurrent commits over overlapping
   * partitions cannot deadlock. Under READ COMMITTED a commit that waited for another one's row lock
   * re-checks the high watermark on the new row version, so of two commits expecting the same high
   * watermark exactly one wins.
   *
   * Idempotent retry: a run whose exact segment (same partition, base offset and object key) is
   * already recorded is reported 'committed' again (the first attempt's answer was lost).
   */
  async commitObject(object: ObjectCommit, runs: RunCommit[]): Promise<RunOutcome[]> {
    checkObject(object);
    for (const r of runs) {
      checkSegment(r.segment);
      if (r.expectedHighWatermark !== r.segment.baseOffset) {
        throw new RangeError(`run base offset ${r.segment.baseOffset} differs from its expected high watermark ${r.expectedHighWatermark}`);
      }
      if (!Number.isInteger(r.leaseEpoch) || r.leaseEpoch < 0) throw new RangeError(`bad lease epoch ${r.leaseEpoch}`);
    }
    // Build chains, and rounds: round k holds each partition's k-th chain.
    const open = new Map<string, Chain>();
    const perPartition = new Map<string, number>();
    const chains: Chain[] = [];
    const rounds: Chain[][] = [];
    runs.forEach((r, i) => {
      const s = r.segment;
      const pk = `${s.topicId}/${s.partition}`;
      const cur = open.get(pk);
      if (cur !== undefined && cur.newHighWatermark === r.expectedHighWatermark && cur.leaseEpoch === r.leaseEpoch) {
        cur.newHighWatermark = s.lastOffset + 1n;
        cur.runs.push(i);
        return;
      }
      const chain: Chain = {
        id: chains.length,
        topicId: s.topicId,
        partition: s.partition,
        leaseEpoch: r.leaseEpoch,
        expected: r.expectedHighWatermark,
        newHighWatermark: s.lastOffset + 1n,
        firstBase: s.baseOffset,
        runs: [i],
      };
      chains.push(chain);
      open.set(pk, chain);
      const round = perPartition.get(pk) ?? 0;
      perPartition.set(pk, round + 1);
      (rounds[round] ??= []).push(chain);
    });

    if (chains.length === 0) {
      await this.db.any(
        'INSERT INTO objects (key, size, agent_id) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING created_at',
        [object.key, object.size, object.agentId],
      );
      return [];
    }
    const outcomeRows: { chain: number; outcome: RunOutcome }[] = [];
    if (rounds.length === 1) {
      outcomeRows.push(...(await this.db.any<{ chain: number; outcome: RunOutcome }>(commitRoundStatement(object, rounds[0], runs, true))));
    } else {
      await this.db.tx('commitObject', async (t) => {
        for (let k = 0; k < rounds.length; k++) {
          outcomeRows.push(...(await t.any<{ chain: number; outcome: RunOutcome }>(commitRoundStatement(object, rounds[k], runs, k === 0))));
        }
      });
    }
    const outcomes: RunOutcome[] = new Array<RunOutcome>(runs.length);
    for (const row of outcomeRows) for (const i of chains[row.chain].runs) outcomes[i] = row.outcome;
    for (let i = 0; i < outcomes.length; i++) if (outcomes[i] === undefined) throw new Error(`commitObject: no outcome for run ${i}`);
    return outcomes;
  }

  async replaceSegments(
    object: ObjectCommit,
    replaced: { topicId: string; partition: number; baseOffsets: bigint[] },
    merged: Omit<SegmentRecord, 'createdAt'>,
  ): Promise<boolean> {
    checkObject(object);
    checkSegment(merged);
    if (merged.topicId !== replaced.topicId || merged.partition !== replaced.partition) {
      throw new RangeError('merged segment must belong to the replaced partition');
    }
    const offsets = [...new Set(replaced.baseOffsets.map((o) => o.toString()))];
    const Gone = Symbol('gone');
    try {
      await this.db.tx('replaceSegments', async (t) => {
        const created = await t.one<{ created_at: bigint }>(
          `INSERT INTO objects (key, size, agent_id) VALUES ($1, $2, $3)
           ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING created_at`,
          [object.key, object.size, object.agentId],
        );
        const deleted = await t.result(
          'DELETE FROM segments WHERE topic_id = $1 AND partition = $2 AND base_offset = ANY($3::int8[])',
          [replaced.topicId, replaced.partition, offsets],
        );
        if (deleted.rowCount !== offsets.length) throw Gone;
        await t.none(
          `INSERT INTO segments (${SEGMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [
            merged.topicId,
            merged.partition,
            merged.baseOffset,
            merged.lastOffset,
            merged.objectKey,
            merged.byteStart,
            merged.byteLength,
            merged.rawLength,
            merged.format,
            merged.maxTimestamp,
            created.created_at,
          ],
        );
      });
      return true;
    } catch (err) {
      if (err === Gone) return false;
      throw err;
    }
  }

  /** The new log start offset is clamped to the high watermark (records above it do not exist). */
  async advanceLogStartOffset(topicId: string, partition: number, logStartOffset: bigint): Promise<PartitionState> {
    const row = await this.db.oneOrNone<PartitionRow>(
      `WITH p AS (
         UPDATE partitions
            SET log_start_offset = GREATEST(log_start_offset, LEAST($3::int8, high_watermark))
          WHERE topic_id = $1 AND partition = $2
          RETURNING topic_id, partition, high_watermark, log_start_offset
       ), d AS (
         DELETE FROM segments s USING p
          WHERE s.topic_id = p.topic_id AND s.partition = p.partition AND s.last_offset < p.log_start_offset
       )
       SELECT p.topic_id, t.name AS topic_name, p.partition, p.high_watermark, p.log_start_offset
         FROM p JOIN topics t ON t.id = p.topic_id`,
      [topicId, partition, logStartOffset],
    );
    if (row === null) throw new UnknownTopicError(`${topicId}/${partition}`);
    return toPartition(row);
  }

  async listUnreferencedObjects(limit: number): Promise<string[]> {
    const rows = await this.db.any<{ key: string }>(
      `SELECT o.key FROM objects o
        WHERE NOT EXISTS (SELECT 1 FROM segments s WHERE s.object_key = o.key)
        ORDER BY o.created_at, o.key
        LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.key);
  }

  /** Keys still referenced by a segment row are left alone. */
  async deleteObjectRecords(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.none(
      `DELETE FROM objects o WHERE o.key = ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM segments s WHERE s.object_key = o.key)`,
      [keys],
    );
  }

  async listObjectKeys(): Promise<string[]> {
    const rows = await this.db.any<{ key: string }>('SELECT key FROM objects ORDER BY key');
    return rows.map((r) => r.key);
  }

  // ---------------------------------------------------------------- agents and leases

  async registerAgent(agent: Omit<AgentRecord, 'lastHeartbeat'>): Promise<void> {
    await this.db.none(
      `INSERT INTO agents (agent_id, host, port) VALUES ($1, $2, $3)
       ON CONFLICT (agent_id) DO UPDATE SET host = EXCLUDED.host, port = EXCLUDED.port, last_heartbeat = sh_now_ms()`,
      [agent.agentId, agent.host, agent.port],
    );
  }

  async heartbeatAgent(agentId: string): Promise<void> {
    await this.db.none('UPDATE agents SET last_heartbeat = sh_now_ms() WHERE agent_id = $1', [agentId]);
  }

  async listAgents(): Promise<AgentRecord[]> {
    const rows = await this.db.any<AgentRow>('SELECT agent_id, host, port, last_heartbeat FROM agents ORDER BY agent_id');
    return rows.map((r) => ({ agentId: r.agent_id, host: r.host, port: r.port, lastHeartbeat: Number(r.last_heartbeat) }));
  }

  /** Expiry is judged by the database clock. An unknown partition rejects with UnknownTopicError. */
  async acquireLease(agentId: string, topicId: string, partition: number, ttlMs: number, options: AcquireLeaseOptions = {}): Promise<Lease | null> {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`bad lease ttl ${ttlMs}`);
    try {
      const row = await this.db.oneOrNone<LeaseRow>(
        `INSERT INTO partition_leases AS l (topic_id, partition, agent_id, epoch, expires_at)
         VALUES ($1, $2, $3, 1, sh_now_ms() + $4::int8)
         ON CONFLICT (topic_id, partition) DO UPDATE
            SET agent_id = EXCLUDED.agent_id,
                epoch = CASE WHEN l.agent_id = EXCLUDED.agent_id AND NOT $5::boolean THEN l.epoch ELSE l.epoch + 1 END,
                expires_at = EXCLUDED.expires_at
          WHERE l.agent_id = EXCLUDED.agent_id OR l.expires_at <= sh_now_ms()
         RETURNING topic_id, partition, agent_id, epoch, expires_at`,
        [topicId, partition, agentId, Math.ceil(ttlMs), options.bumpEpoch === true],
      );
      return row === null ? null : toLease(row);
    } catch (err) {
      if (pgErrorCode(err) === '23503') throw new UnknownTopicError(`${topicId}/${partition}`);
      throw err;
    }
  }

  /** Extends every lease the agent still holds (expired ones nobody took over included). */
  async renewLeases(agentId: string, ttlMs: number): Promise<number> {
    const r = await this.db.result('UPDATE partition_leases SET expires_at = sh_now_ms() + $2::int8 WHERE agent_id = $1', [
      agentId,
      Math.ceil(ttlMs),
    ]);
    return r.rowCount;
  }

  async listLeases(): Promise<Lease[]> {
    const rows = await this.db.any<LeaseRow>('SELECT topic_id, partition, agent_id, epoch, expires_at FROM partition_leases ORDER BY topic_id, partition');
    return rows.map(toLease);
  }

  // ---------------------------------------------------------------- consumer offsets

  async commitOffsets(groupId: string, offsets: Omit<CommittedOffset, 'commitTimestamp'>[]): Promise<void> {
    if (offsets.length === 0) return;
    // The last entry for a (topic, partition) wins; ON CONFLICT cannot touch a row twice.
    const unique = new Map<string, Omit<CommittedOffset, 'commitTimestamp'>>();
    for (const o of offsets) unique.set(`${o.partition}/${o.topic}`, o);
    const values = [...unique.values()]
      .map((o) =>
        as.format('($1::text, $2::text, $3::int, $4::int8, $5::int, $6::text, sh_now_ms())', [
          groupId,
          o.topic,
          o.partition,
          o.offset,
          o.leaderEpoch,
          o.metadata,
        ]),
      )
      .join(',\n');
    await this.db.none(
      `INSERT INTO consumer_offsets (group_id, topic, partition, committed_offset, leader_epoch, metadata, commit_timestamp)
       VALUES ${values}
       ON CONFLICT (group_id, topic, partition) DO UPDATE
          SET committed_offset = EXCLUDED.committed_offset, leader_epoch = EXCLUDED.leader_epoch,
              metadata = EXCLUDED.metadata, commit_timestamp = EXCLUDED.commit_timestamp`,
    );
  }

  async fetchOffsets(groupId: string, topics?: string[]): Promise<CommittedOffset[]> {
    if (topics !== undefined && topics.length === 0) return [];
    const rows = await this.db.any<OffsetRow>(
      `SELECT topic, partition, committed_offset, leader_epoch, metadata, commit_timestamp
         FROM consumer_offsets
        WHERE group_id = $1 ${topics === undefined ? '' : 'AND topic = ANY($2::text[])'}
        ORDER BY topic, partition`,
      topics === undefined ? [groupId] : [groupId, topics],
    );
    return rows.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      offset: r.committed_offset,
      leaderEpoch: r.leader_epoch,
      metadata: r.metadata,
      commitTimestamp: Number(r.commit_timestamp),
    }));
  }

  async deleteOffsets(groupId: string, partitions: { topic: string; partition: number }[]): Promise<void> {
    if (partitions.length === 0) return;
    const values = partitions.map((p) => as.format('($1::text, $2::int)', [p.topic, p.partition])).join(', ');
    // Values are formatted already: no second formatting pass over them.
    await this.db.none(
      `DELETE FROM consumer_offsets o USING (VALUES ${values}) AS d (topic, partition)
        WHERE o.group_id = ${as.format('$1', [groupId])} AND o.topic = d.topic AND o.partition = d.partition`,
    );
  }

  async deleteGroupOffsets(groupId: string): Promise<void> {
    await this.db.none('DELETE FROM consumer_offsets WHERE group_id = $1', [groupId]);
  }

  async listOffsetGroups(): Promise<string[]> {
    const rows = await this.db.any<{ group_id: string }>('SELECT DISTINCT group_id FROM consumer_offsets ORDER BY group_id');
    return rows.map((r) => r.group_id);
  }

  // ---------------------------------------------------------------- producers

  async allocateProducerId(): Promise<bigint> {
    const row = await this.db.one<{ id: bigint }>("SELECT nextval('producer_ids') AS id");
    return row.id;
  }
}
