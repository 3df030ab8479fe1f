import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { defaultConfig, type BrokerConfig } from './config.js';
import { LogManager } from './log/log-manager.js';
import { brokerTopicDefaults } from './log/topic-config.js';
import { openMetadataStore } from './metadata/open-metadata-store.js';
import type { MetadataStore } from './metadata/metadata-store.js';
import type { ObjectStore } from './objects/object-store.js';
import { DirectoryObjectStore } from './objects/directory-object-store.js';
import { Listener } from './server/listener.js';
import { InFlightBudget } from './server/connection.js';
import { Dispatcher } from './handlers/dispatcher.js';
import { GroupCoordinator } from './groups/group-coordinator.js';
import { SystemClock } from './groups/clock.js';
import { BackgroundTasks } from './log/background-tasks.js';
import type { BrokerIdentity } from './handlers/context.js';

export interface StartBrokerOptions extends Partial<BrokerConfig> {
  /** A pino logger to use; by default one is made at `logLevel` (library default: warn). */
  logger?: Logger;
  /** S3 credentials; by default AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment. */
  s3Credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface Broker {
  readonly host: string;
  readonly port: number;
  /** `host:port` for a client's bootstrap.servers / brokers list. */
  readonly bootstrap: string;
  readonly dataDir: string;
  readonly identity: BrokerIdentity;
  readonly logs: LogManager;
  readonly metadata: MetadataStore;
  readonly objects: ObjectStore;
  /** The merger, retention and object garbage collector; `runOnce()` runs a pass now. */
  readonly maintenance: BackgroundTasks;
  /** Stops accepting, answers in-flight requests, flushes, closes the stores. */
  stop(): Promise<void>;
}

async function agentIdFor(dataDir: string, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const file = join(dataDir, 'agent-id');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const id = `agent-${randomUUID().slice(0, 8)}`;
    await writeFile(file, id);
    return id;
  }
}

/**
 * Starts a broker in-process. With no options it is a throwaway: an ephemeral port on 127.0.0.1,
 * a temporary data directory (removed on stop), embedded PGlite and a directory object store:
 * Kafka for a test suite, without Docker.
 */
export async function startBroker(options: StartBrokerOptions = {}): Promise<Broker> {
  const defaults = defaultConfig();
  const ownsDataDir = options.dataDir === undefined;
  const config: BrokerConfig = {
    ...defaults,
    host: '127.0.0.1',
    port: 0,
    logLevel: 'warn',
    ...Object.fromEntries(Object.entries(options).filter(([k, v]) => v !== undefined && k !== 'logger' && k !== 's3Credentials')),
    dataDir: options.dataDir ?? (await mkdtemp(join(tmpdir(), 'streamhouse-'))),
  } as BrokerConfig;
  const log = options.logger ?? pino({ level: config.logLevel, name: 'streamhouse' });
  await mkdir(config.dataDir, { recursive: true });
  const agentId = await agentIdFor(config.dataDir, config.agentId);

  // The S3 store is imported only when used: the AWS SDK is ~3 MB of live heap that every full
  // GC would mark (one every ~100 ms under load), and the embedded default never needs it.
  const objects: ObjectStore = config.s3Bucket
    ? await (await import('./objects/s3-object-store.js')).S3ObjectStore.open({
        bucket: config.s3Bucket,
        endpoint: config.s3Endpoint,
        region: config.s3Region,
        forcePathStyle: config.s3ForcePathStyle ?? config.s3Endpoint !== undefined,
        prefix: config.objectPrefix,
        credentials: options.s3Credentials,
      })
    : new DirectoryObjectStore(join(config.dataDir, 'objects'));
  const metadata = await openMetadataStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger: log });
  await metadata.registerAgent({ agentId, host: config.advertisedHost ?? config.host, port: config.port });

  const lingerMs = config.lingerMs ?? (config.s3Bucket ? 20 : 2);
  const logs = new LogManager(
    {
      writer: { agentId, lingerMs, flushBytes: config.flushBytes, maxBufferedBytes: config.bufferMaxBytes, maxFlushesInFlight: config.maxFlushesInFlight },
      cacheBytes: config.cacheMaxBytes,
      leaseTtlMs: config.leaseTtlMs,
      topicDefaults: brokerTopicDefaults(config),
    },
    metadata,
    objects,
    log,
  );
  await logs.start();
  const background = new BackgroundTasks(logs, config, log.child({ component: 'background' }));
  background.start();

  const groups = new GroupCoordinator({
    clock: new SystemClock(),
    offsets: metadata,
    initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
  });

  const identity: BrokerIdentity = { nodeId: 1, clusterId: 'streamhouse', host: '', port: 0, rack: null };
  let open = true;
  const dispatcher = new Dispatcher({ identity, config, logs, metadata, groups, log, isOpen: () => open });
  const listener = new Listener(
    {
      host: config.host,
      port: config.port,
      maxFrameBytes: config.maxRequestBytes,
      maxInFlightRequests: 256,
      maxInFlightBytes: 16 * 1024 * 1024,
      // All connections together: what the writer may buffer, plus room for fetches and the rest.
      budget: new InFlightBudget(config.bufferMaxBytes + 16 * 1024 * 1024),
    },
    dispatcher,
    log.child({ component: 'server' }),
  );
  const bound = await listener.listen();
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  identity.host = config.advertisedHost ?? (wildcard ? '127.0.0.1' : config.host);
  identity.port = config.advertisedPort ?? bound.port;
  log.info({ host: bound.host, port: bound.port, advertised: `${identity.host}:${identity.port}`, objects: objects.description, agentId }, 'StreamHouse is serving');

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      open = false;
      for (const t of logs.topics()) for (const p of t.partitions) p.notifyAppend();
      await listener.close(5000);
      await background.stop();
      groups.close();
      await logs.close();
      await metadata.close();
      await objects.close();
      if (ownsDataDir) await rm(config.dataDir, { recursive: true, force: true });
      log.info('StreamHouse stopped');
    })();
    return stopping;
  };

  return {
    host: identity.host,
    port: bound.port,
    bootstrap: `${identity.host}:${identity.port}`,
    dataDir: config.dataDir,
    identity,
    logs,
    metadata,
    objects,
    maintenance: background,
    stop,
  };
}
