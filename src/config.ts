/**
 * Broker configuration: one table of options, each settable by a CLI flag or an environment
 * variable (flag wins), with a default. The same table prints `--help` and the README's table.
 */
export interface BrokerConfig {
  host: string;
  port: number;
  advertisedHost: string | undefined;
  advertisedPort: number | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  s3Endpoint: string | undefined;
  s3Bucket: string | undefined;
  s3Region: string;
  s3ForcePathStyle: boolean | undefined;
  objectPrefix: string;
  lingerMs: number | undefined;
  flushBytes: number;
  bufferMaxBytes: number;
  maxFlushesInFlight: number;
  cacheMaxBytes: number;
  maxRequestBytes: number;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  defaultSegmentCompression: 'lz4' | 'none' | undefined;
  groupInitialRebalanceDelayMs: number;
  mergeMinSegments: number;
  mergeIntervalMs: number;
  mergeBufferBytes: number;
  retentionCheckIntervalMs: number;
  leaseTtlMs: number;
  agentId: string | undefined;
  logLevel: string;
}

type Kind = 'string' | 'int' | 'bool';

interface OptionSpec {
  key: keyof BrokerConfig;
  flag: string;
  env: string;
  kind: Kind;
  default: string | number | boolean | undefined;
  doc: string;
}

export const OPTIONS: readonly OptionSpec[] = [
  { key: 'host', flag: '--host', env: 'STREAMHOUSE_HOST', kind: 'string', default: '0.0.0.0', doc: 'Address to listen on.' },
  { key: 'port', flag: '--port', env: 'STREAMHOUSE_PORT', kind: 'int', default: 9092, doc: 'Port to listen on (0 = any free port).' },
  { key: 'advertisedHost', flag: '--advertised-host', env: 'STREAMHOUSE_ADVERTISED_HOST', kind: 'string', default: undefined, doc: 'Host clients are told to connect to (default: the listen host, or 127.0.0.1 when listening on all addresses).' },
  { key: 'advertisedPort', flag: '--advertised-port', env: 'STREAMHOUSE_ADVERTISED_PORT', kind: 'int', default: undefined, doc: 'Port clients are told to connect to (default: the listening port).' },
  { key: 'dataDir', flag: '--data-dir', env: 'STREAMHOUSE_DATA_DIR', kind: 'string', default: './data', doc: 'Directory of the embedded default: PGlite database (pg/) and local object store (objects/).' },
  { key: 'databaseUrl', flag: '--database-url', env: 'DATABASE_URL', kind: 'string', default: undefined, doc: 'PostgreSQL connection string; unset = embedded PGlite in the data directory.' },
  { key: 's3Endpoint', flag: '--s3-endpoint', env: 'S3_ENDPOINT', kind: 'string', default: undefined, doc: 'S3-compatible endpoint URL (e.g. http://localhost:9000 for MinIO).' },
  { key: 's3Bucket', flag: '--s3-bucket', env: 'S3_BUCKET', kind: 'string', default: undefined, doc: 'Bucket for segments; set = S3 object store, unset = local directory. Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.' },
  { key: 's3Region', flag: '--s3-region', env: 'AWS_REGION', kind: 'string', default: 'us-east-1', doc: 'S3 region.' },
  { key: 's3ForcePathStyle', flag: '--s3-path-style', env: 'S3_FORCE_PATH_STYLE', kind: 'bool', default: undefined, doc: 'Path-style bucket addressing (default: on when an endpoint is set).' },
  { key: 'objectPrefix', flag: '--object-prefix', env: 'STREAMHOUSE_OBJECT_PREFIX', kind: 'string', default: '', doc: 'Key prefix for every object (share a bucket between clusters).' },
  { key: 'lingerMs', flag: '--linger-ms', env: 'STREAMHOUSE_LINGER_MS', kind: 'int', default: undefined, doc: 'How long produced batches wait to share a flush (default 2 with the directory store, 20 with S3).' },
  { key: 'flushBytes', flag: '--flush-bytes', env: 'STREAMHOUSE_FLUSH_BYTES', kind: 'int', default: 8 * 1024 * 1024, doc: 'Pending bytes that trigger a flush before the linger ends.' },
  { key: 'bufferMaxBytes', flag: '--buffer-max-bytes', env: 'STREAMHOUSE_BUFFER_MAX_BYTES', kind: 'int', default: 64 * 1024 * 1024, doc: 'Produce bytes buffered or being flushed before producers wait (backpressure).' },
  { key: 'maxFlushesInFlight', flag: '--max-flushes-in-flight', env: 'STREAMHOUSE_MAX_FLUSHES_IN_FLIGHT', kind: 'int', default: 4, doc: 'Flush objects being uploaded at once (their metadata commits stay in order).' },
  { key: 'cacheMaxBytes', flag: '--cache-max-bytes', env: 'STREAMHOUSE_CACHE_MAX_BYTES', kind: 'int', default: 256 * 1024 * 1024, doc: 'Byte limit of the segment cache.' },
  { key: 'maxRequestBytes', flag: '--max-request-bytes', env: 'STREAMHOUSE_MAX_REQUEST_BYTES', kind: 'int', default: 100 * 1024 * 1024, doc: 'socket.request.max.bytes: larger frames close the connection.' },
  { key: 'autoCreateTopics', flag: '--auto-create-topics', env: 'STREAMHOUSE_AUTO_CREATE_TOPICS', kind: 'bool', default: true, doc: 'Create unknown topics on Metadata requests that allow it.' },
  { key: 'defaultPartitions', flag: '--default-partitions', env: 'STREAMHOUSE_DEFAULT_PARTITIONS', kind: 'int', default: 1, doc: 'Partitions of auto-created topics and of CreateTopics with -1.' },
  { key: 'defaultSegmentCompression', flag: '--segment-compression', env: 'STREAMHOUSE_SEGMENT_COMPRESSION', kind: 'string', default: undefined, doc: 'Default framing of segment runs: lz4 or none (default: none with the directory store, where LZ4 costs produce CPU for little gain; lz4 with S3, where bytes cost money). Per topic: streamhouse.segment.compression.' },
  { key: 'groupInitialRebalanceDelayMs', flag: '--group-initial-rebalance-delay-ms', env: 'STREAMHOUSE_GROUP_INITIAL_REBALANCE_DELAY_MS', kind: 'int', default: 500, doc: 'How long a new group waits for more members before its first rebalance.' },
  { key: 'mergeMinSegments', flag: '--merge-min-segments', env: 'STREAMHOUSE_MERGE_MIN_SEGMENTS', kind: 'int', default: 16, doc: 'Small runs of a partition that make the merger rewrite them into one segment.' },
  { key: 'mergeBufferBytes', flag: '--merge-buffer-bytes', env: 'STREAMHOUSE_MERGE_BUFFER_BYTES', kind: 'int', default: 64 * 1024 * 1024, doc: 'Bytes the merger holds in memory while it rewrites runs: a merged segment is at most this large (half of it with LZ4 segments), and at most segment.bytes.' },
  { key: 'mergeIntervalMs', flag: '--merge-interval-ms', env: 'STREAMHOUSE_MERGE_INTERVAL_MS', kind: 'int', default: 10_000, doc: 'How often the merger and the object garbage collector run.' },
  { key: 'retentionCheckIntervalMs', flag: '--retention-check-interval-ms', env: 'STREAMHOUSE_RETENTION_CHECK_INTERVAL_MS', kind: 'int', default: 60_000, doc: 'How often retention.ms / retention.bytes are enforced.' },
  { key: 'leaseTtlMs', flag: '--lease-ttl-ms', env: 'STREAMHOUSE_LEASE_TTL_MS', kind: 'int', default: 30_000, doc: 'Lifetime of partition leases (renewed at a third of it).' },
  { key: 'agentId', flag: '--agent-id', env: 'STREAMHOUSE_AGENT_ID', kind: 'string', default: undefined, doc: 'This agent\'s id (default: stored in the data directory, else random).' },
  { key: 'logLevel', flag: '--log-level', env: 'STREAMHOUSE_LOG_LEVEL', kind: 'string', default: 'info', doc: 'pino log level: trace, debug, info, warn, error, silent.' },
];

export class ConfigError extends Error {
  readonly code = 'CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function parseValue(spec: OptionSpec, raw: string, source: string): string | number | boolean {
  switch (spec.kind) {
    case 'int': {
      if (!/^-?\d+$/.test(raw)) throw new ConfigError(`${source}: expected an integer, got '${raw}'`);
      return Number(raw);
    }
    case 'bool': {
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw new ConfigError(`${source}: expected true or false, got '${raw}'`);
    }
    default:
      return raw;
  }
}

export function defaultConfig(): BrokerConfig {
  const config: Record<string, unknown> = {};
  for (const spec of OPTIONS) config[spec.key] = spec.default;
  return config as unknown as BrokerConfig;
}

/** Reads flags (`--port 19092`, `--port=19092`, `--no-auto-create-topics`) over env over defaults. */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): { config: BrokerConfig; help: boolean } {
  const config = defaultConfig() as unknown as Record<string, unknown>;
  for (const spec of OPTIONS) {
    const raw = env[spec.env];
    if (raw !== undefined && raw !== '') config[spec.key] = parseValue(spec, raw, spec.env);
  }
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const negated = OPTIONS.find((s) => s.kind === 'bool' && `--no-${s.flag.slice(2)}` === name);
    if (negated) {
      config[negated.key] = false;
      continue;
    }
    const spec = OPTIONS.find((s) => s.flag === name);
    if (!spec) throw new ConfigError(`unknown option ${name} (see --help)`);
    let raw = inline;
    if (raw === undefined) {
      if (spec.kind === 'bool' && (argv[i + 1] === undefined || argv[i + 1].startsWith('--'))) raw = 'true';
      else raw = argv[++i];
    }
    if (raw === undefined) throw new ConfigError(`${name} needs a value`);
    config[spec.key] = parseValue(spec, raw, name);
  }
  const c = config as unknown as BrokerConfig;
  if (c.defaultSegmentCompression !== undefined && c.defaultSegmentCompression !== 'lz4' && c.defaultSegmentCompression !== 'none') {
    throw new ConfigError(`--segment-compression must be lz4 or none`);
  }
  return { config: c, help };
}

export function helpText(): string {
  const lines = ['Usage: streamhouse [options]', '', 'Options (flag, environment variable, default):'];
  for (const s of OPTIONS) {
    const def = s.default === undefined ? '' : ` [default: ${String(s.default)}]`;
    lines.push(`  ${s.flag}${s.kind === 'bool' ? ` / --no-${s.flag.slice(2)}` : ' <value>'}  (${s.env})${def}`);
    lines.push(`      ${s.doc}`);
  }
  lines.push('  --help', '      Print this help.');
  return lines.join('\n');
}
