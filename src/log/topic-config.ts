/**
 * Topic configs StreamHouse understands: their defaults, how they are validated, and what
 * DescribeConfigs reports. Values travel as strings, as in Kafka.
 *
 * The table holds every topic config of Kafka 3.9 so that tools (Terraform, kafka-configs, UIs)
 * can set and read the ones they know; the doc of each says whether StreamHouse acts on it or only
 * stores it. Configs Kafka does not know are refused (INVALID_CONFIG), as Kafka does.
 */

/** Kafka's DescribeConfigs ConfigType codes (DescribeConfigsResponse.ConfigType). */
export const CONFIG_TYPE = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;
export type ConfigTypeName = Exclude<keyof typeof CONFIG_TYPE, 'UNKNOWN'>;

/** Kafka's ConfigSource codes (DescribeConfigs v1+, CreateTopics v5+). */
export const CONFIG_SOURCE = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const;
export type ConfigSourceCode = (typeof CONFIG_SOURCE)[keyof typeof CONFIG_SOURCE];

export interface ConfigDefinition {
  name: string;
  default: string;
  /** Returns an error message for an invalid value, else null. */
  validate: (value: string) => string | null;
  doc: string;
  /** Kafka's type of the config (DescribeConfigs v3+ configType; LIST configs take APPEND/SUBTRACT). */
  type: ConfigTypeName;
  /** The broker config that supplies the topic's default in Kafka (a DescribeConfigs synonym). */
  brokerName?: string;
}

const INT32_MAX = 2n ** 31n - 1n;
const INT64_MAX = 2n ** 63n - 1n;
const INT_RE = /^-?\d+$/;

function bounded(min: bigint, max: bigint, v: string): string | null {
  if (!INT_RE.test(v)) return `must be an integer >= ${min}`;
  const n = BigInt(v);
  if (n < min) return `must be an integer >= ${min}`;
  if (n > max) return `must be an integer <= ${max}`;
  return null;
}
/** A 32-bit integer >= min (Kafka INT). */
const integer = (min: number, max = INT32_MAX) => (v: string) => bounded(BigInt(min), max, v);
/** A 64-bit integer >= min (Kafka LONG). */
const long = (min: number) => (v: string) => bounded(BigInt(min), INT64_MAX, v);
const oneOf = (...allowed: string[]) => (v: string) =>
  allowed.includes(v) ? null : `must be one of ${allowed.join(', ')}`;
const boolean = (v: string) => (/^(true|false)$/i.test(v) ? null : 'must be true or false');
const ratio = (v: string) => {
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) return 'must be a number between 0 and 1';
  const n = Number(v);
  return n >= 0 && n <= 1 ? null : 'must be a number between 0 and 1';
};
const inRange = (min: number, max: number, extra?: number) => (v: string) => {
  if (!INT_RE.test(v)) return `must be an integer in [${min}, ${max}]`;
  const n = Number(v);
  if (n === extra || (n >= min && n <= max)) return null;
  return `must be an integer in [${min}, ${max}]${extra === undefined ? '' : ` or ${extra}`}`;
};

/** Splits a Kafka LIST value: comma separated, items trimmed, empty items dropped. */
export function parseListValue(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const cleanupPolicy = (v: string) => {
  const items = parseListValue(v);
  if (items.length === 0 || items.some((i) => i !== 'delete' && i !== 'compact')) {
    return 'must be a list of delete and/or compact';
  }
  return null;
};
/** Kafka's throttled-replicas lists: '' , '*', or partition:broker pairs. */
const throttledReplicas = (v: string) => {
  const items = parseListValue(v);
  if (items.length === 1 && items[0] === '*') return null;
  return items.every((i) => /^\d+:\d+$/.test(i)) ? null : "must be '*' or a list of partition:broker pairs";
};
const messageFormatVersion = (v: string) =>
  /^\d+\.\d+(\.\d+)?(-IV\d+)?$/.test(v) ? null : 'must be a Kafka version such as 3.0-IV1';
const onlyFalse = (what: string) => (v: string) => {
  const err = boolean(v);
  if (err) return err;
  return v.toLowerCase() === 'false' ? null : `cannot be enabled: ${what}`;
};

const STORED = 'Accepted and stored for compatibility; StreamHouse does not act on it.';

export const TOPIC_CONFIGS: readonly ConfigDefinition[] = [
  { name: 'cleanup.policy', default: 'delete', type: 'LIST', brokerName: 'log.cleanup.policy', validate: cleanupPolicy, doc: 'Only delete is enforced; compact is accepted and stored but not compacted yet.' },
  { name: 'compression.gzip.level', default: '-1', type: 'INT', brokerName: 'compression.gzip.level', validate: inRange(1, 9, -1), doc: STORED },
  { name: 'compression.lz4.level', default: '9', type: 'INT', brokerName: 'compression.lz4.level', validate: inRange(1, 17), doc: STORED },
  { name: 'compression.type', default: 'producer', type: 'STRING', brokerName: 'compression.type', validate: oneOf('producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'), doc: 'Batches are stored as the producer sent them (producer).' },
  { name: 'compression.zstd.level', default: '3', type: 'INT', brokerName: 'compression.zstd.level', validate: inRange(-131072, 22), doc: STORED },
  { name: 'delete.retention.ms', default: '86400000', type: 'LONG', brokerName: 'log.cleaner.delete.retention.ms', validate: long(0), doc: STORED },
  { name: 'file.delete.delay.ms', default: '60000', type: 'LONG', brokerName: 'log.segment.delete.delay.ms', validate: long(0), doc: STORED },
  { name: 'flush.messages', default: '9223372036854775807', type: 'LONG', brokerName: 'log.flush.interval.messages', validate: long(1), doc: 'Every acknowledged batch is already durable in object storage; stored only.' },
  { name: 'flush.ms', default: '9223372036854775807', type: 'LONG', brokerName: 'log.flush.interval.ms', validate: long(0), doc: 'Every acknowledged batch is already durable in object storage; stored only.' },
  { name: 'follower.replication.throttled.replicas', default: '', type: 'LIST', validate: throttledReplicas, doc: STORED },
  { name: 'index.interval.bytes', default: '4096', type: 'INT', brokerName: 'log.index.interval.bytes', validate: integer(0), doc: STORED },
  { name: 'leader.replication.throttled.replicas', default: '', type: 'LIST', validate: throttledReplicas, doc: STORED },
  { name: 'local.retention.bytes', default: '-2', type: 'LONG', brokerName: 'log.local.retention.bytes', validate: long(-2), doc: STORED },
  { name: 'local.retention.ms', default: '-2', type: 'LONG', brokerName: 'log.local.retention.ms', validate: long(-2), doc: STORED },
  { name: 'max.compaction.lag.ms', default: '9223372036854775807', type: 'LONG', brokerName: 'log.cleaner.max.compaction.lag.ms', validate: long(1), doc: STORED },
  { name: 'max.message.bytes', default: '1048588', type: 'INT', brokerName: 'message.max.bytes', validate: integer(0), doc: 'Largest record batch accepted, in bytes.' },
  { name: 'message.downconversion.enable', default: 'true', type: 'BOOLEAN', brokerName: 'log.message.downconversion.enable', validate: boolean, doc: STORED },
  { name: 'message.format.version', default: '3.0-IV1', type: 'STRING', brokerName: 'log.message.format.version', validate: messageFormatVersion, doc: 'Deprecated in Kafka; batches are always v2. Stored only.' },
  { name: 'message.timestamp.after.max.ms', default: '9223372036854775807', type: 'LONG', brokerName: 'log.message.timestamp.after.max.ms', validate: long(0), doc: STORED },
  { name: 'message.timestamp.before.max.ms', default: '9223372036854775807', type: 'LONG', brokerName: 'log.message.timestamp.before.max.ms', validate: long(0), doc: STORED },
  { name: 'message.timestamp.difference.max.ms', default: '9223372036854775807', type: 'LONG', brokerName: 'log.message.timestamp.difference.max.ms', validate: long(0), doc: STORED },
  { name: 'message.timestamp.type', default: 'CreateTime', type: 'STRING', brokerName: 'log.message.timestamp.type', validate: oneOf('CreateTime', 'LogAppendTime'), doc: 'LogAppendTime stamps batches with the broker time.' },
  { name: 'min.cleanable.dirty.ratio', default: '0.5', type: 'DOUBLE', brokerName: 'log.cleaner.min.cleanable.ratio', validate: ratio, doc: STORED },
  { name: 'min.compaction.lag.ms', default: '0', type: 'LONG', brokerName: 'log.cleaner.min.compaction.lag.ms', validate: long(0), doc: STORED },
  { name: 'min.insync.replicas', default: '1', type: 'INT', brokerName: 'min.insync.replicas', validate: integer(1), doc: 'Durability comes from object storage, not replicas; stored only.' },
  { name: 'preallocate', default: 'false', type: 'BOOLEAN', brokerName: 'log.preallocate', validate: boolean, doc: STORED },
  { name: 'remote.log.copy.disable', default: 'false', type: 'BOOLEAN', validate: boolean, doc: STORED },
  { name: 'remote.log.delete.on.disable', default: 'false', type: 'BOOLEAN', validate: boolean, doc: STORED },
  { name: 'remote.storage.enable', default: 'false', type: 'BOOLEAN', validate: onlyFalse('tiered storage is not supported (the whole log already lives in object storage)'), doc: 'Always false: there is no local tier; the whole log lives in object storage.' },
  { name: 'retention.bytes', default: '-1', type: 'LONG', brokerName: 'log.retention.bytes', validate: long(-1), doc: 'Per-partition size limit; -1 means none.' },
  { name: 'retention.ms', default: '604800000', type: 'LONG', brokerName: 'log.retention.ms', validate: long(-1), doc: 'Age limit of segments; -1 means none.' },
  { name: 'segment.bytes', default: '67108864', type: 'INT', brokerName: 'log.segment.bytes', validate: integer(1024), doc: 'Target size of merged per-partition segments (at most --merge-buffer-bytes).' },
  { name: 'segment.index.bytes', default: '10485760', type: 'INT', brokerName: 'log.index.size.max.bytes', validate: integer(4), doc: STORED },
  { name: 'segment.jitter.ms', default: '0', type: 'LONG', brokerName: 'log.roll.jitter.ms', validate: long(0), doc: STORED },
  { name: 'segment.ms', default: '604800000', type: 'LONG', brokerName: 'log.roll.ms', validate: long(1), doc: STORED },
  { name: 'streamhouse.segment.compression', default: 'lz4', type: 'STRING', brokerName: 'streamhouse.segment.compression', validate: oneOf('lz4', 'none'), doc: 'How segment runs are framed in object storage (LZ4 frame or as is).' },
  { name: 'unclean.leader.election.enable', default: 'false', type: 'BOOLEAN', brokerName: 'unclean.leader.election.enable', validate: boolean, doc: 'There are no replicas to elect from; stored only.' },
];

const byName = new Map(TOPIC_CONFIGS.map((c) => [c.name, c]));

export function configDefinition(name: string): ConfigDefinition | undefined {
  return byName.get(name);
}

/** Error message for the first invalid or unknown config, else null. */
export function validateTopicConfigs(configs: Record<string, string>): string | null {
  for (const [name, value] of Object.entries(configs)) {
    const def = byName.get(name);
    if (!def) return `unknown topic config ${name}`;
    const err = def.validate(value);
    if (err) return `${name} ${err}`;
  }
  return null;
}

/**
 * The broker-wide topic defaults that come from the broker's own configuration (flags), keyed by
 * topic config name: what LogManagerOptions.topicDefaults holds.
 */
export function brokerTopicDefaults(config: { defaultSegmentCompression: string | undefined; s3Bucket?: string | undefined }): Record<string, string> {
  // Measured with `npm run bench`: LZ4-framing runs costs the produce path ~3 CPU-s per GB; worth
  // it where stored bytes cost money (S3), not on a local directory.
  const compression = config.defaultSegmentCompression ?? (config.s3Bucket ? 'lz4' : 'none');
  return { 'streamhouse.segment.compression': compression };
}

/** One topic config as DescribeConfigs and CreateTopics v5+ report it. */
export interface DescribedTopicConfig {
  definition: ConfigDefinition;
  name: string;
  value: string;
  /** DYNAMIC_TOPIC_CONFIG (override), STATIC_BROKER_CONFIG (broker flag) or DEFAULT_CONFIG. */
  source: ConfigSourceCode;
  /** Kafka's synonyms, most specific first: the override, the broker setting, the default. */
  synonyms: { name: string; value: string; source: ConfigSourceCode }[];
}

/** Every topic config in TOPIC_CONFIGS with its effective value and where it comes from. */
export function describeTopicConfigs(overrides: Record<string, string>, brokerDefaults: Record<string, string>): DescribedTopicConfig[] {
  return TOPIC_CONFIGS.map((definition) => {
    const synonyms: DescribedTopicConfig['synonyms'] = [];
    const override = Object.hasOwn(overrides, definition.name) ? overrides[definition.name] : undefined;
    if (override !== undefined) synonyms.push({ name: definition.name, value: override, source: CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG });
    const brokerName = definition.brokerName ?? definition.name;
    const brokerValue = brokerDefaults[definition.name];
    if (brokerValue !== undefined && brokerValue !== definition.default) {
      synonyms.push({ name: brokerName, value: brokerValue, source: CONFIG_SOURCE.STATIC_BROKER_CONFIG });
    }
    synonyms.push({ name: brokerName, value: definition.default, source: CONFIG_SOURCE.DEFAULT_CONFIG });
    const top = synonyms[0];
    return { definition, name: definition.name, value: top.value, source: top.source, synonyms };
  });
}

/** A topic's effective configs, typed, with broker defaults applied under topic overrides. */
export interface EffectiveTopicConfig {
  maxMessageBytes: number;
  logAppendTime: boolean;
  retentionMs: number;
  retentionBytes: number;
  segmentBytes: number;
  segmentCompression: 'lz4' | 'none';
}

export function effectiveTopicConfig(overrides: Record<string, string>, brokerDefaults: Record<string, string>): EffectiveTopicConfig {
  const get = (name: string): string => overrides[name] ?? brokerDefaults[name] ?? byName.get(name)!.default;
  return {
    maxMessageBytes: Number(get('max.message.bytes')),
    logAppendTime: get('message.timestamp.type') === 'LogAppendTime',
    retentionMs: Number(get('retention.ms')),
    retentionBytes: Number(get('retention.bytes')),
    segmentBytes: Number(get('segment.bytes')),
    segmentCompression: get('streamhouse.segment.compression') === 'none' ? 'none' : 'lz4',
  };
}
