-- StreamHouse metadata schema, version 1.
-- Forward-only: never edit a migration that has shipped; add 0002_… instead.
-- Runs in one transaction (see src/metadata/migrator.ts); must work on PostgreSQL >= 13 and PGlite.
--
-- Time is int8 milliseconds since the epoch taken from the database clock (sh_now_ms()), so that
-- lease expiry is judged by one clock for all agents.

CREATE FUNCTION sh_now_ms() RETURNS bigint
  LANGUAGE sql VOLATILE
  AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

CREATE TABLE topics (
  id              uuid    PRIMARY KEY,
  name            text    NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 249),
  partition_count integer NOT NULL CHECK (partition_count > 0),
  configs         jsonb   NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(configs) = 'object'),
  created_at      bigint  NOT NULL DEFAULT sh_now_ms()
);

CREATE TABLE partitions (
  topic_id         uuid    NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
  partition        integer NOT NULL CHECK (partition >= 0),
  -- offset of the next record to be written
  high_watermark   bigint  NOT NULL DEFAULT 0 CHECK (high_watermark >= 0),
  -- first offset still readable
  log_start_offset bigint  NOT NULL DEFAULT 0 CHECK (log_start_offset >= 0),
  PRIMARY KEY (topic_id, partition),
  CHECK (log_start_offset <= high_watermark)
);

-- Every object written to the object store whose commit reached the database.
CREATE TABLE objects (
  key        text   PRIMARY KEY CHECK (key <> '' AND left(key, 1) <> '/' AND position('..' IN key) = 0),
  size       bigint NOT NULL CHECK (size >= 0),
  agent_id   text   NOT NULL,
  created_at bigint NOT NULL DEFAULT sh_now_ms()
);
CREATE INDEX objects_created_at ON objects (created_at, key);

-- One partition's run of batches inside one object.
CREATE TABLE segments (
  topic_id      uuid    NOT NULL,
  partition     integer NOT NULL CHECK (partition >= 0),
  base_offset   bigint  NOT NULL CHECK (base_offset >= 0),
  last_offset   bigint  NOT NULL,
  -- No foreign key to objects: its per-row check cost ~75 µs per segment in commitObject (measured);
  -- the store only forgets objects that no segment references (deleteObjectRecords).
  object_key    text    NOT NULL,
  byte_start    bigint  NOT NULL CHECK (byte_start >= 0),
  byte_length   bigint  NOT NULL CHECK (byte_length >= 0),
  raw_length    bigint  NOT NULL CHECK (raw_length >= 0),
  format        text    NOT NULL CHECK (format IN ('raw', 'lz4')),
  max_timestamp bigint  NOT NULL DEFAULT -1 CHECK (max_timestamp >= -1),
  created_at    bigint  NOT NULL DEFAULT sh_now_ms(),
  PRIMARY KEY (topic_id, partition, base_offset),
  FOREIGN KEY (topic_id, partition) REFERENCES partitions (topic_id, partition) ON DELETE CASCADE,
  CHECK (last_offset >= base_offset),
  CHECK (format <> 'raw' OR raw_length = byte_length)
);
CREATE INDEX segments_object_key ON segments (object_key);

CREATE TABLE agents (
  agent_id       text    PRIMARY KEY,
  host           text    NOT NULL,
  port           integer NOT NULL CHECK (port BETWEEN 0 AND 65535),
  registered_at  bigint  NOT NULL DEFAULT sh_now_ms(),
  last_heartbeat bigint  NOT NULL DEFAULT sh_now_ms()
);

-- Who may write a partition. The epoch only grows; a writer whose epoch is stale is fenced.
-- Not a foreign key to agents: a lease outlives an agent row that was cleaned up.
CREATE TABLE partition_leases (
  topic_id   uuid    NOT NULL,
  partition  integer NOT NULL CHECK (partition >= 0),
  agent_id   text    NOT NULL,
  epoch      integer NOT NULL CHECK (epoch >= 1),
  expires_at bigint  NOT NULL,
  PRIMARY KEY (topic_id, partition),
  FOREIGN KEY (topic_id, partition) REFERENCES partitions (topic_id, partition) ON DELETE CASCADE
);
CREATE INDEX partition_leases_agent ON partition_leases (agent_id);

-- Keyed by topic NAME (as Kafka's OffsetCommit is), so offsets survive topic re-creation like Kafka's.
CREATE TABLE consumer_offsets (
  group_id         text    NOT NULL,
  topic            text    NOT NULL,
  partition        integer NOT NULL CHECK (partition >= 0),
  committed_offset bigint  NOT NULL CHECK (committed_offset >= -1),
  leader_epoch     integer NOT NULL DEFAULT -1 CHECK (leader_epoch >= -1),
  metadata         text,
  commit_timestamp bigint  NOT NULL,
  PRIMARY KEY (group_id, topic, partition)
);

-- Producer ids: unique across agents and restarts (a sequence never hands out a value twice,
-- even across a crash; it may skip some).
CREATE SEQUENCE producer_ids AS bigint START WITH 1000 MINVALUE 0;

-- Target of MetadataStore.ping() (one BEGIN/UPDATE/COMMIT round).
CREATE TABLE ping (
  id integer PRIMARY KEY CHECK (id = 1),
  n  bigint  NOT NULL
);
INSERT INTO ping (id, n) VALUES (1, 0);
