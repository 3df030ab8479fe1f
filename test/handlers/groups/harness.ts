/**
 * Shared set-up for the group handler tests: a real GroupCoordinator on a ManualClock, a real
 * metadata store on PGlite in a temp dir, and a stand-in LogManager that only answers
 * topic(name)/topics() (the handlers only use it for topic and partition existence).
 *
 * `call` pushes every request through the generated writer AND reader for the version, and the
 * response through the generated writer (then reader) for the same version, so a field set in a
 * version that lacks it throws here as it would on the wire.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Reader } from '../../../protocol/runtime/reader.js';
import type { Input } from '../../../protocol/runtime/types.js';
import { Writer } from '../../../protocol/runtime/writer.js';
import { defaultConfig } from '../../../src/config.js';
import { ManualClock } from '../../../src/groups/clock.js';
import { GroupCoordinator } from '../../../src/groups/group-coordinator.js';
import type { ApiHandler, RequestContext } from '../../../src/handlers/context.js';
import type { LogManager, TopicState } from '../../../src/log/log-manager.js';
import type { MetadataStore } from '../../../src/metadata/metadata-store.js';
import { openMetadataStore } from '../../../src/metadata/open-metadata-store.js';

export interface Codec<Req, Res> {
  writeRequest(w: Writer, m: Input<Req>, version: number): void;
  readRequest(r: Reader, version: number): Req;
  writeResponse(w: Writer, m: Input<Res>, version: number): void;
  readResponse(r: Reader, version: number): Res;
}

/** Adapts a generated module's four functions into a Codec. */
export function codec<Req, Res>(
  writeRequest: (w: Writer, m: Input<Req>, version: number) => void,
  readRequest: (r: Reader, version: number) => Req,
  writeResponse: (w: Writer, m: Input<Res>, version: number) => void,
  readResponse: (r: Reader, version: number) => Res,
): Codec<Req, Res> {
  return { writeRequest, readRequest, writeResponse, readResponse };
}

export function versions(handler: ApiHandler): number[] {
  const out: number[] = [];
  for (let v = handler.minVersion; v <= handler.maxVersion; v++) out.push(v);
  return out;
}

export interface Harness {
  clock: ManualClock;
  coordinator: GroupCoordinator;
  metadata: MetadataStore;
  /** Topic name → partition count, as the stand-in LogManager sees it. */
  topics: Map<string, number>;
  ctx: RequestContext;
  /** Encode/decode the request, handle it, encode/decode the response (all for `version`). */
  call<Req, Res>(codec: Codec<Req, Res>, handler: ApiHandler<NoInfer<Req>, Input<NoInfer<Res>>>, request: Input<NoInfer<Req>>, version: number): Promise<Res>;
  close(): Promise<void>;
}

function roundTripOf<T>(write: (w: Writer, m: Input<T>, v: number) => void, read: (r: Reader, v: number) => T, m: Input<T>, version: number): T {
  const w = new Writer();
  write(w, m, version);
  const r = new Reader(w.toBuffer());
  const out = read(r, version);
  assert.equal(r.remaining, 0, 'decoder left bytes unread');
  return out;
}

export async function openHarness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'sh-group-handlers-'));
  const logger = pino({ level: 'silent' });
  const metadata = await openMetadataStore({ dataDir: dir, logger });
  const clock = new ManualClock(1_000_000);
  let n = 0;
  const coordinator = new GroupCoordinator({
    offsets: metadata,
    clock,
    initialRebalanceDelayMs: 0,
    generateMemberId: (prefix) => `${prefix}-${++n}`,
  });
  const topics = new Map<string, number>();
  const stateOf = (name: string, count: number): TopicState =>
    ({ record: { id: name, name, partitionCount: count, configs: {} }, partitions: Array.from({ length: count }, (_, partition) => ({ partition })) }) as unknown as TopicState;
  const logs = {
    topic(name: string): TopicState | undefined {
      const count = topics.get(name);
      return count === undefined ? undefined : stateOf(name, count);
    },
    topics(): TopicState[] {
      return [...topics].map(([name, count]) => stateOf(name, count));
    },
  } as unknown as LogManager;
  const ctx: RequestContext = {
    identity: { nodeId: 7, clusterId: 'test-cluster', host: 'broker.test', port: 19092, rack: null },
    config: defaultConfig(),
    logs,
    metadata,
    groups: coordinator,
    log: logger,
    isOpen: () => true,
    header: { requestApiKey: 0, requestApiVersion: 0, correlationId: 1, clientId: 'test-client' },
    conn: { id: 1, remoteAddress: '127.0.0.1', remotePort: 50000 },
  };
  return {
    clock,
    coordinator,
    metadata,
    topics,
    ctx,
    async call(c, handler, request, version) {
      assert.ok(version >= handler.minVersion && version <= handler.maxVersion, `version ${version} outside the handler's range`);
      const decoded = roundTripOf(c.writeRequest, c.readRequest, request, version);
      const response = await handler.handle(ctx, decoded, version);
      assert.ok(response !== null, 'handler gave no response');
      return roundTripOf(c.writeResponse, c.readResponse, response, version);
    },
    async close() {
      coordinator.close();
      await metadata.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
