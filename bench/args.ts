/** `npm run bench -- [options]`: the options, their defaults, and the --quick profile. */
import { parseArgs } from 'node:util';

export const BACKENDS = ['embedded', 'postgres-s3'] as const;
export type Backend = (typeof BACKENDS)[number];

export const PHASES = ['ceilings', 'max', 'latency', 'catchup'] as const;
export type Phase = (typeof PHASES)[number];

export interface BenchOptions {
  quick: boolean;
  json: boolean;
  backends: Backend[];
  phases: Phase[];
  /** Producer connections (N). */
  producers: number;
  /** Tailing consumer connections (M). */
  consumers: number;
  /** Produce requests in flight per producer connection (max.in.flight.requests.per.connection). */
  inFlight: number;
  /** Record size in bytes (1 KiB). */
  recordBytes: number;
  /** Batch sizes of the max-throughput matrix. */
  batchBytes: number[];
  /** Partition counts of the max-throughput matrix. */
  partitions: number[];
  /** Batch size and partition count of the latency and catch-up workloads. */
  latencyBatchBytes: number;
  latencyPartitions: number;
  /** Fraction of the measured max offered in the latency run. */
  latencyLoad: number;
  warmupMs: number;
  maxRunMs: number;
  latencyRunMs: number;
  /** Bytes written for the catch-up reads (must fit the broker's cache). */
  catchupBytes: number;
  /** Reads of each catch-up kind (cold: a restart before each); the median is reported. */
  catchupRepeats: number;
  /** Times over each read from the cache goes through the written bytes, on the same connections. */
  catchupPasses: number;
  /** Bytes of the backlog the cold catch-up reads (after a restart each). */
  coldBytes: number;
  loopbackBytes: number;
  pings: number;
  objectOps: number;
  /** Extra flags for the broker child (after --). */
  brokerArgs: string[];
  cacheMaxBytes: number;
  bufferMaxBytes: number;
  mergeBufferBytes: number;
  flushBytes: number;
  cpuProf: boolean;
  cpuProfDir: string | undefined;
  /** Extra node flags for the broker child (--node-arg --trace-gc). */
  nodeArgs: string[];
}

const HELP = `Usage: npm run bench -- [options] [-- broker flags]

Starts a StreamHouse broker in a child process and measures it with a load generator in two
other processes (pre-encoded produce requests replayed over WireClient connections, and tailing
Fetch consumers), next to this machine's ceilings measured in the same run.

  --quick                 smoke run (< 60 s): one workload, short runs
  --json                  print the results as JSON on stdout (progress and the table go to stderr)
  --backend <name>        embedded | postgres-s3 | both   [both]
  --phases <list>         ceilings,max,latency,catchup     [all]
  --producers <n>         producer connections             [4]
  --consumers <n>         tailing consumer connections (0: none; catch-up uses 1) [2]
  --in-flight <n>         produce requests in flight per connection [5]
  --batch-bytes <list>    max-throughput batch sizes       [16384,131072,1048576]
  --partitions <list>     max-throughput partition counts  [1,16]
  --latency-batch-bytes   batch size of the latency/catch-up runs [131072]
  --latency-partitions    partitions of the latency/catch-up runs [16]
  --run-seconds <s>       length of each max-throughput run [6 | quick 3]
  --latency-seconds <s>   length of the fixed-load run [12 | quick 3]; past 30 s (three merge
                          intervals) the merger rewrites its runs while it goes: a sustained load
  --catchup-mib <n>       MiB written and then read back by the catch-up phase [160 | quick 96]
  --catchup-repeats <n>   reads from cache, and cold reads (each after a restart); median [5 | quick 3]
  --catchup-passes <n>    times over each read from the cache goes through what was written, on the
                          same connections [as many as make a loopback run's bytes: 6 | quick 3]
  --cold-mib <n>          MiB of the backlog each cold catch-up reads after a restart [1024 | quick 256]
  --cpu-prof              run the broker under node --cpu-prof; prints where the profile went
  --cpu-prof-dir <dir>    where to write it                [a new temp directory]
  --node-arg <flag>       a node flag for the broker child, repeatable (e.g. --node-arg=--trace-gc;
                          BENCH_BROKER_LOG=<file> keeps the broker's output)
  --help
`;

function list(raw: string | undefined, fallback: number[]): number[] {
  if (raw === undefined) return fallback;
  const out = raw.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isFinite(n) || n <= 0)) throw new Error(`bad list: ${raw}`);
  return out;
}

function int(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`bad number: ${raw}`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchOptions | null {
  const dashdash = argv.indexOf('--');
  const own = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
  const brokerArgs = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
  const { values } = parseArgs({
    args: own,
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      backend: { type: 'string' },
      phases: { type: 'string' },
      producers: { type: 'string' },
      consumers: { type: 'string' },
      'in-flight': { type: 'string' },
      'batch-bytes': { type: 'string' },
      partitions: { type: 'string' },
      'latency-batch-bytes': { type: 'string' },
      'latency-partitions': { type: 'string' },
      'run-seconds': { type: 'string' },
      'latency-seconds': { type: 'string' },
      'catchup-mib': { type: 'string' },
      'catchup-repeats': { type: 'string' },
      'catchup-passes': { type: 'string' },
      'cold-mib': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'cpu-prof-dir': { type: 'string' },
      'node-arg': { type: 'string', multiple: true },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return null;
  }
  const quick = values.quick === true;
  const backend = values.backend ?? 'both';
  if (backend !== 'both' && !(BACKENDS as readonly string[]).includes(backend)) throw new Error(`--backend: ${backend}`);
  const phases = (values.phases ?? PHASES.join(',')).split(',') as Phase[];
  for (const p of phases) if (!(PHASES as readonly string[]).includes(p)) throw new Error(`--phases: unknown phase ${p}`);
  const runMs = int(values['run-seconds'], quick ? 3 : 6) * 1000;
  const catchupBytes = int(values['catchup-mib'], quick ? 96 : 160) * 1024 * 1024;
  const loopbackBytes = quick ? 256 * 1024 * 1024 : 1024 * 1024 * 1024;
  return {
    quick,
    json: values.json === true,
    backends: backend === 'both' ? [...BACKENDS] : [backend as Backend],
    phases,
    producers: int(values.producers, 4),
    consumers: int(values.consumers, 2),
    inFlight: int(values['in-flight'], 5),
    recordBytes: 1024,
    batchBytes: list(values['batch-bytes'], quick ? [131072] : [16384, 131072, 1048576]),
    partitions: list(values.partitions, quick ? [16] : [1, 16]),
    latencyBatchBytes: int(values['latency-batch-bytes'], 131072),
    latencyPartitions: int(values['latency-partitions'], 16),
    latencyLoad: 0.5,
    warmupMs: 1000,
    maxRunMs: runMs,
    latencyRunMs: Math.max(1, int(values['latency-seconds'], quick ? 3 : 12)) * 1000,
    catchupBytes,
    catchupRepeats: Math.max(1, int(values['catchup-repeats'], quick ? 3 : 5)),
    catchupPasses: Math.max(1, int(values['catchup-passes'], Math.round(loopbackBytes / catchupBytes))),
    coldBytes: int(values['cold-mib'], loopbackBytes / (1024 * 1024)) * 1024 * 1024,
    loopbackBytes,
    pings: quick ? 100 : 500,
    objectOps: quick ? 8 : 20,
    brokerArgs,
    cacheMaxBytes: 256 * 1024 * 1024,
    bufferMaxBytes: 64 * 1024 * 1024,
    mergeBufferBytes: 64 * 1024 * 1024,
    flushBytes: 8 * 1024 * 1024,
    cpuProf: values['cpu-prof'] === true || values['cpu-prof-dir'] !== undefined,
    cpuProfDir: values['cpu-prof-dir'],
    nodeArgs: values['node-arg'] ?? [],
  };
}
