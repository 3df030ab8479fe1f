/**
 * Captures the bytes real clients send (and what the broker answers) for the golden tests in
 * test/protocol/golden-clients.test.ts. Run by hand after a client or codec change:
 *
 *   npx tsx scripts/capture-fixtures.ts [--out test/fixtures/clients] [--dry-run] [--with-consumer]
 *
 * A throwaway broker is started behind the recording proxy (test/support/capture-proxy.ts), with
 * the proxy's port advertised so clients never bypass it; then kafkajs (admin, producer plain and
 * gzip, offsets, fetch) and kcat from Debian's package (-P -K -H, -L, -C -e, -Q) run through it.
 * From everything captured a small set is kept: per (client, api, version) one or two requests,
 * chosen to be the interesting ones (the Produce that carries the records we wrote, the Fetch whose
 * response carries them, ListOffsets by both special and real timestamps), each with its response.
 *
 * Output: `<client>-<api>-v<version>-<n>-<request|response>.hex` (hex of the frame without its
 * size prefix, 64 bytes a line) and `index.json` describing each file. Old .hex files are removed.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kafka, logLevel, CompressionTypes } from 'kafkajs';
import { startBroker } from '../src/broker.js';
import { ranges } from '../src/handlers/index.js';
import { startCaptureProxy, type CapturedFrame } from '../test/support/capture-proxy.js';
import { ApiKey, apiByKey } from '../protocol/generated/api-keys.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../protocol/frames.js';
import { splitBatches } from '../protocol/records/batches.js';
import { readBatchHeader } from '../protocol/records/batch-header.js';

/** What the clients write, checked by the golden test (keep the two in step). */
const CAPTURE = {
  kafkajs: {
    clientId: 'golden-kafkajs',
    topic: 'golden-kafkajs',
    plain: [
      { key: 'k1', value: 'kafkajs-plain-1', headers: { source: 'kafkajs', n: '1' } },
      { key: 'k2', value: 'kafkajs-plain-2', headers: { source: 'kafkajs', n: '2' } },
    ],
    gzip: [
      { key: 'k3', value: 'kafkajs-gzip-1', headers: { source: 'kafkajs', n: '3' } },
      { key: 'k4', value: 'kafkajs-gzip-2', headers: { source: 'kafkajs', n: '4' } },
    ],
  },
  kcat: {
    topic: 'golden-kcat',
    /** stdin of `kcat -P -K : -H source=kcat -H n=1` */
    input: 'k1:kcat-1\nk2:kcat-2\n',
    headers: ['source=kcat', 'n=1'],
  },
} as const;

const KCAT = '/usr/bin/kcat';
const MAX_PER_API_VERSION = 2;

export interface FixtureEntry {
  file: string;
  client: string;
  direction: 'request' | 'response';
  apiKey: number;
  api: string;
  apiVersion: number;
  correlationId: number;
  /** Why this frame was kept (its "kind": e.g. 'gzip', 'timestamp:-2', 'with-records'). */
  kind: string;
  /** For a response: the file of its request. */
  request?: string;
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function run(cmd: string, args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** The minimal slice of kafkajs's internal Cluster/Broker used to send a Fetch without a group. */
interface KafkajsBroker {
  fetch(request: {
    replicaId?: number;
    isolationLevel?: number;
    maxWaitTime?: number;
    minBytes?: number;
    maxBytes?: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<unknown>;
}
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(options: { nodeId: string }): Promise<KafkajsBroker>;
}

/**
 * kafkajs's own Cluster (the object its consumer fetches through), made by the client's private
 * factory so it has the same client id, socket factory and versions negotiation.
 */
function kafkajsCluster(kafka: Kafka): KafkajsCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (symbol === undefined) throw new Error('kafkajs internals changed: no private:Kafka:createCluster');
  const create = (kafka as unknown as Record<symbol, (o: object) => KafkajsCluster>)[symbol];
  return create({});
}

async function captureKafkajs(bootstrap: string, withConsumer: boolean, log: (m: string) => void): Promise<void> {
  const { clientId, topic, plain, gzip } = CAPTURE.kafkajs;
  const kafka = new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  } catch (e) {
    log(`kafkajs createTopics failed (${(e as Error).message}); the topic is auto-created by Metadata instead`);
  }
  const producer = kafka.producer();
  await producer.connect();
  const toMessages = (ms: readonly { key: string; value: string; headers: Record<string, string> }[]) =>
    ms.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers }, partition: 0 }));
  await producer.send({ topic, messages: toMessages(plain) });
  await producer.send({ topic, compression: CompressionTypes.GZIP, messages: toMessages(gzip) });
  await producer.disconnect();

  await admin.fetchTopicOffsets(topic); // ListOffsets latest (-1) and earliest (-2)
  await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - 60_000); // and a real timestamp
  await admin.disconnect();

  // Fetch as kafkajs's consumer does (same Broker.fetch, same negotiated version), without a group.
  const cluster = kafkajsCluster(kafka);
  await cluster.connect();
  await cluster.addTargetTopic(topic);
  await cluster.refreshMetadata();
  const [leader] = Object.keys(cluster.findLeaderForPartitions(topic, [0]));
  const broker = await cluster.findBroker({ nodeId: leader });
  await broker.fetch({
    replicaId: -1,
    isolationLevel: 1,
    maxWaitTime: 100,
    minBytes: 1,
    maxBytes: 10_485_760,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 1_048_576 }] }],
  });
  await cluster.disconnect();

  // The group consumer (opt-in: its group APIs would take ~16 more files), when the broker serves
  // groups (JoinGroup advertised).
  if (!withConsumer) {
    log('kafkajs consumer skipped (--with-consumer to include it)');
  } else if (ranges.some((r) => r.apiKey === ApiKey.JoinGroup)) {
    const consumer = kafka.consumer({ groupId: 'golden', sessionTimeout: 10_000 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    await new Promise<void>((done) => {
      const timer = setTimeout(done, 15_000);
      void consumer.run({
        eachMessage: async () => {
          if (++seen === plain.length + gzip.length) {
            clearTimeout(timer);
            done();
          }
        },
      });
    });
    await consumer.disconnect();
    log(`kafkajs consumer read ${seen} messages`);
  } else {
    log('kafkajs consumer skipped: the broker does not serve JoinGroup yet');
  }
}

async function captureKcat(bootstrap: string, log: (m: string) => void): Promise<void> {
  const { topic, input, headers } = CAPTURE.kcat;
  const kcat = async (args: string[], stdin = ''): Promise<string> => {
    const r = await run(KCAT, ['-b', bootstrap, ...args], stdin);
    if (r.code !== 0) throw new Error(`kcat ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  };
  await kcat(['-P', '-t', topic, '-K', ':', ...headers.flatMap((h) => ['-H', h])], input);
  await kcat(['-L']);
  const consumed = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-J', '-q']);
  const first = JSON.parse(consumed.split('\n')[0]) as { ts: number };
  log(`kcat consumed: ${consumed.trim().split('\n').length} messages`);
  await kcat(['-Q', '-t', `${topic}:0:${first.ts}`]);
}

/** A short description of what a request is, to keep one of each kind (and prefer some). */
function kindOf(request: CapturedFrame, response: CapturedFrame | undefined): string {
  const d = decodeRequest(request.frame);
  if (!d.ok) return `undecodable:${d.error.code}`;
  switch (d.apiKey) {
    case ApiKey.Produce: {
      const records = d.body.topicData[0]?.partitionData[0]?.records;
      if (!records) return 'empty';
      return readBatchHeader(splitBatches(records).batches[0]).compression;
    }
    case ApiKey.Metadata:
      return d.body.topics === null ? 'all-topics' : d.body.topics.length === 0 ? 'no-topics' : 'topics';
    case ApiKey.ListOffsets: {
      const ts = d.body.topics[0]?.partitions[0]?.timestamp;
      return ts === undefined ? 'empty' : ts < 0n ? `timestamp:${ts}` : 'timestamp';
    }
    case ApiKey.Fetch: {
      if (response === undefined) return 'unanswered';
      const r = decodeResponse(ApiKey.Fetch, d.header.apiVersion, response.frame).body;
      const withData = r.responses.some((t) => t.partitions.some((p) => p.records !== null && p.records.length > 0));
      return withData ? 'with-records' : 'empty';
    }
    default:
      return 'any';
  }
}

/** Kinds worth keeping over the others (the first of these found wins a slot first). */
const PREFERRED: Record<number, readonly string[]> = {
  [ApiKey.Produce]: ['none', 'gzip'],
  [ApiKey.Fetch]: ['with-records'],
  [ApiKey.ListOffsets]: ['timestamp', 'timestamp:-2', 'timestamp:-1'],
  [ApiKey.Metadata]: ['topics', 'all-topics'],
};

function select(frames: readonly CapturedFrame[]): { request: CapturedFrame; response?: CapturedFrame; kind: string }[] {
  const responseOf = new Map<CapturedFrame, CapturedFrame>();
  for (const f of frames) {
    if (f.direction !== 'response') continue;
    const req = frames.find((r) => r.direction === 'request' && r.connection === f.connection && r.correlationId === f.correlationId && r.seq < f.seq);
    if (req) responseOf.set(req, f);
  }
  const groups = new Map<string, { request: CapturedFrame; response?: CapturedFrame; kind: string }[]>();
  for (const f of frames) {
    if (f.direction !== 'request') continue;
    const key = `${f.tag}/${f.apiKey}/${f.apiVersion}`;
    const group = groups.get(key) ?? [];
    groups.set(key, group);
    const response = responseOf.get(f);
    group.push({ request: f, response, kind: kindOf(f, response) });
  }
  const chosen: { request: CapturedFrame; response?: CapturedFrame; kind: string }[] = [];
  for (const group of groups.values()) {
    const preferred = PREFERRED[group[0].request.apiKey] ?? [];
    const picks: typeof group = [];
    const kinds = new Set<string>();
    const take = (c: (typeof group)[number]): void => {
      if (picks.length < MAX_PER_API_VERSION && !kinds.has(c.kind)) {
        picks.push(c);
        kinds.add(c.kind);
      }
    };
    for (const kind of preferred) {
      const c = group.find((g) => g.kind === kind && g.response !== undefined);
      if (c) take(c);
    }
    // Nothing preferred: the first answered one (or the first at all).
    if (picks.length === 0) take(group.find((g) => g.response !== undefined) ?? group[0]);
    chosen.push(...picks);
  }
  return chosen.sort((a, b) => a.request.seq - b.request.seq);
}

async function clientVersions(): Promise<Record<string, string>> {
  const pkg = JSON.parse(await readFile(join(import.meta.dirname, '..', 'node_modules', 'kafkajs', 'package.json'), 'utf8')) as { version: string };
  const v = (await run(KCAT, ['-V'])).stdout;
  const kcat = /Version (\S+) .*librdkafka (\S+)/.exec(v);
  return { kafkajs: `kafkajs ${pkg.version}`, kcat: kcat ? `kcat ${kcat[1]}, librdkafka ${kcat[2]} (Debian)` : 'kcat (version unknown)' };
}

/** Whether encoder chunks (size prefix first) are exactly `frame` with its size prefix. */
function sameFrame(chunks: Buffer[], frame: Buffer): boolean {
  const bytes = Buffer.concat(chunks);
  return bytes.length === frame.length + 4 && bytes.readInt32BE(0) === frame.length && bytes.subarray(4).equals(frame);
}

function toHex(frame: Buffer): string {
  const hex = frame.toString('hex');
  const lines: string[] = [];
  for (let i = 0; i < hex.length; i += 128) lines.push(hex.slice(i, i + 128));
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const outArg = args.indexOf('--out');
  const outDir = resolve(outArg >= 0 ? args[outArg + 1] : join(import.meta.dirname, '..', 'test', 'fixtures', 'clients'));
  const dryRun = args.includes('--dry-run');
  const withConsumer = args.includes('--with-consumer');
  const log = (m: string): void => console.error(`capture: ${m}`);
  if (!existsSync(KCAT)) throw new Error(`${KCAT} not found (apt-get install kcat)`);

  const proxy = await startCaptureProxy();
  const broker = await startBroker({ advertisedPort: proxy.port, logLevel: 'warn', groupInitialRebalanceDelayMs: 0 });
  proxy.setTarget('127.0.0.1', broker.port);
  log(`broker on ${broker.port}, proxy (advertised) on ${proxy.port}`);
  try {
    proxy.tag = 'kafkajs';
    await captureKafkajs(proxy.bootstrap, withConsumer, log);
    proxy.tag = 'kcat';
    await captureKcat(proxy.bootstrap, log);
    await new Promise((r) => setTimeout(r, 200)); // let the last responses reach the proxy
  } finally {
    await proxy.close();
    await broker.stop();
  }

  const all = proxy.frames;
  log(`captured ${all.length} frames on ${new Set(all.map((f) => f.connection)).size} connections`);
  const summary = new Map<string, number>();
  for (const f of all) {
    if (f.direction !== 'request') continue;
    const k = `${f.tag} ${apiByKey(f.apiKey)?.name ?? f.apiKey} v${f.apiVersion}`;
    summary.set(k, (summary.get(k) ?? 0) + 1);
  }
  for (const [k, n] of summary) log(`  ${k}: ${n} request(s)`);

  // Every frame, not only the kept ones: anything our codec cannot read is a finding.
  let problems = 0;
  for (const f of all) {
    const api = apiByKey(f.apiKey)?.name ?? `api ${f.apiKey}`;
    const where = `${f.tag} #${f.connection} ${f.direction} ${api} v${f.apiVersion} corr ${f.correlationId}`;
    if (f.direction === 'request') {
      const d = decodeRequest(f.frame);
      if (!d.ok) {
        problems++;
        log(`PROBLEM ${where}: ${d.error.code} ${d.error.message}`);
      } else if (!sameFrame(encodeRequest(d.apiKey, d.header.apiVersion, d.header.correlationId, d.header.clientId, d.body), f.frame)) {
        problems++;
        log(`PROBLEM ${where}: re-encoding the decoded request gives different bytes`);
      }
    } else if (f.apiKey === -1) {
      problems++;
      log(`PROBLEM ${where}: response to no request`);
    } else {
      try {
        const { body } = decodeResponse(f.apiKey, f.apiVersion, f.frame);
        if (!sameFrame(encodeResponse(f.apiKey, f.apiVersion, f.correlationId, body as object), f.frame)) {
          problems++;
          log(`PROBLEM ${where}: re-encoding the decoded response gives different bytes`);
        }
      } catch (e) {
        problems++;
        log(`PROBLEM ${where}: ${(e as Error).message}`);
      }
    }
  }
  for (const f of proxy.unanswered()) log(`note: ${f.tag} ${apiByKey(f.apiKey)?.name ?? f.apiKey} v${f.apiVersion} corr ${f.correlationId} got no response`);
  log(problems === 0 ? 'every captured frame decodes and re-encodes to the same bytes' : `${problems} frame(s) did not decode or re-encode exactly`);

  const chosen = select(all);
  const entries: FixtureEntry[] = [];
  const files = new Map<string, Buffer>();
  const counters = new Map<string, number>();
  for (const { request, response, kind } of chosen) {
    const api = apiByKey(request.apiKey)?.name ?? `api${request.apiKey}`;
    const base = `${request.tag}-${kebab(api)}-v${request.apiVersion}`;
    const n = (counters.get(base) ?? 0) + 1;
    counters.set(base, n);
    const reqFile = `${base}-${n}-request.hex`;
    const common = { client: request.tag, apiKey: request.apiKey, api, apiVersion: request.apiVersion, correlationId: request.correlationId, kind };
    entries.push({ file: reqFile, direction: 'request', ...common });
    files.set(reqFile, request.frame);
    if (response) {
      const respFile = `${base}-${n}-response.hex`;
      entries.push({ file: respFile, direction: 'response', ...common, request: reqFile });
      files.set(respFile, response.frame);
    }
  }
  const total = [...files.values()].reduce((s, b) => s + b.length * 2, 0);
  log(`kept ${files.size} frames (~${Math.round(total / 1024)} KiB of hex)`);
  if (files.size > 40) log(`WARNING: more than 40 fixture files; golden-clients.test.ts caps the set at 40`);
  for (const e of entries) log(`  ${e.file} (${e.kind})`);
  if (dryRun) return;

  await mkdir(outDir, { recursive: true });
  for (const name of await readdir(outDir)) if (name.endsWith('.hex')) await rm(join(outDir, name));
  for (const [name, frame] of files) await writeFile(join(outDir, name), toHex(frame));
  const index = {
    description: 'Frames captured by scripts/capture-fixtures.ts (hex, without the int32 size prefix).',
    clients: await clientVersions(),
    frames: entries,
  };
  await writeFile(join(outDir, 'index.json'), JSON.stringify(index, null, 2) + '\n');
  log(`wrote ${outDir}`);
}

await main();
