/**
 * Shared set-up for the admin handler tests: a real LogManager on PGlite and a directory object
 * store in a temp dir, and a RequestContext around it (the group coordinator is a stub: the admin
 * handlers do not use it).
 *
 * `call` pushes every request through the generated writer AND reader for the version, and the
 * response through the generated writer and reader for the same version, so a field set in a
 * version that lacks it throws here as it would on the wire.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { apiInfo, type ApiKeyValue, type ApiRequests, type ApiResponses } from '../../../protocol/generated/api-keys.js';
import { buildBatch } from '../../../protocol/records/index.js';
import { Reader } from '../../../protocol/runtime/reader.js';
import type { Input } from '../../../protocol/runtime/types.js';
import { Writer } from '../../../protocol/runtime/writer.js';
import { defaultConfig, type BrokerConfig } from '../../../src/config.js';
import type { GroupCoordinator } from '../../../src/groups/group-coordinator.js';
import type { ApiHandler, RequestContext } from '../../../src/handlers/context.js';
import { LogManager } from '../../../src/log/log-manager.js';
import type { MetadataStore } from '../../../src/metadata/metadata-store.js';
import { openMetadataStore } from '../../../src/metadata/open-metadata-store.js';
import { DirectoryObjectStore } from '../../../src/objects/directory-object-store.js';
import { brokerTopicDefaults } from '../../../src/log/topic-config.js';

export interface AdminHarness {
  ctx: RequestContext;
  logs: LogManager;
  metadata: MetadataStore;
  config: BrokerConfig;
  /**
   * Encode/decode the request, handle it, encode/decode the response (all for `version`). `key`
   * picks the generated codec (and types the response).
   */
  call<K extends ApiKeyValue>(key: K, handler: ApiHandler<ApiRequests[K], Input<ApiResponses[K]>>, request: Input<ApiRequests[K]>, version: number): Promise<ApiResponses[K]>;
  /** Appends `count` one-record batches to a partition; resolves once durable. */
  produce(topic: string, partition: number, count: number): Promise<void>;
  close(): Promise<void>;
}

export function versions(handler: { minVersion: number; maxVersion: number }): number[] {
  const out: number[] = [];
  for (let v = handler.minVersion; v <= handler.maxVersion; v++) out.push(v);
  return out;
}

function roundTrip<T>(write: (w: Writer, m: Input<T>, v: number) => void, read: (r: Reader, v: number) => T, m: Input<T>, version: number): T {
  const w = new Writer();
  write(w, m, version);
  const r = new Reader(w.toBuffer());
  const out = read(r, version);
  assert.equal(r.remaining, 0, 'decoder left bytes unread');
  return out;
}

export async function openHarness(overrides: Partial<BrokerConfig> = {}): Promise<AdminHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'sh-admin-handlers-'));
  const logger = pino({ level: 'silent' });
  const metadata = await openMetadataStore({ dataDir: dir, logger });
  const objects = new DirectoryObjectStore(join(dir, 'objects'));
  const config: BrokerConfig = { ...defaultConfig(), dataDir: dir, ...overrides };
  const logs = new LogManager(
    {
      writer: { agentId: 'agent-admin-test', lingerMs: 1, flushBytes: 1 << 20, maxBufferedBytes: 8 << 20, maxFlushesInFlight: 4 },
      cacheBytes: 16 << 20,
      leaseTtlMs: 60_000,
      topicDefaults: brokerTopicDefaults(config),
    },
    metadata,
    objects,
    logger,
  );
  await logs.start();
  const ctx: RequestContext = {
    identity: { nodeId: 3, clusterId: 'admin-test-cluster', host: 'broker.test', port: 19092, rack: null },
    config,
    logs,
    metadata,
    groups: {} as GroupCoordinator,
    log: logger,
    isOpen: () => true,
    header: { requestApiKey: 0, requestApiVersion: 0, correlationId: 1, clientId: 'admin-test' },
    conn: { id: 1, remoteAddress: '127.0.0.1', remotePort: 50000 },
  };
  return {
    ctx,
    logs,
    metadata,
    config,
    async call<K extends ApiKeyValue>(key: K, handler: ApiHandler<ApiRequests[K], Input<ApiResponses[K]>>, request: Input<ApiRequests[K]>, version: number): Promise<ApiResponses[K]> {
      assert.equal(handler.apiKey, key);
      assert.ok(version >= handler.minVersion && version <= handler.maxVersion, `version ${version} outside the handler's range`);
      const info = apiInfo(key);
      const decoded = roundTrip(info.writeRequest, info.readRequest, request, version);
      const response = await handler.handle({ ...ctx, header: { ...ctx.header, requestApiKey: handler.apiKey, requestApiVersion: version } }, decoded, version);
      assert.ok(response !== null, 'handler gave no response');
      return roundTrip(info.writeResponse, info.readResponse, response, version);
    },
    async produce(topic, partition, count) {
      const t = logs.topic(topic);
      assert.ok(t, `no topic ${topic}`);
      const p = t.partitions[partition];
      for (let i = 0; i < count; i++) {
        await logs.append(t, p, [buildBatch({ records: [{ key: null, value: Buffer.from(`v${i}`), timestamp: BigInt(Date.now()) }] })]);
      }
    },
    async close() {
      await logs.close();
      await metadata.close();
      await objects.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
