// npm run bench [-- --quick] [--json] [--backend embedded|postgres-s3|both] [--cpu-prof] …
//
// How fast StreamHouse is on this machine, and how close to what the machine allows: a broker in
// a child process (the real CLI) on each backend, driven by a load generator in two other
// processes, with the ceilings (loopback TCP, one metadata commit, one object PUT/GET) measured in
// the same run and every figure printed as a ratio to its ceiling. `npm run bench -- --help`.
import { mkdtemp } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBenchArgs, type Backend, type BenchOptions } from './args.js';
import { buildBroker } from './broker.js';
import { embeddedBackend, postgresS3Backend, postgresS3Unavailable, type BackendEnv } from './backend.js';
import { measureLoopback } from './ceilings/loopback.js';
import { measureCommit } from './ceilings/metadata.js';
import { measureObjects, type ObjectCeiling } from './ceilings/objects.js';
import { RunContext } from './context.js';
import { maxPhase, type ProduceFigures } from './phases/max.js';
import { latencyPhase } from './phases/latency.js';
import { catchupPhase } from './phases/catchup.js';
import { formatReport } from './report.js';
import { computeRatios, type BackendResult, type BenchResult, type BrokerFigures } from './results.js';

const log = (s: string): void => void process.stderr.write(`${s}\n`);

// The AWS SDK (opened here for the object-store ceiling) warns at length that it will need Node 22
// (measured.md); keep every other warning.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (!`${w.name} ${w.message}`.includes('NodeVersionSupportWarning')) log(`${w.name}: ${w.message}`);
});

/** Reads a broker flag's value from the extra broker args, or the default. */
function flagValue(args: string[], flag: string, fallback: number): number {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag && args[i + 1] !== undefined) return Number(args[i + 1]);
    if (args[i].startsWith(`${flag}=`)) return Number(args[i].slice(flag.length + 1));
  }
  return fallback;
}

function brokerArgs(opts: BenchOptions): string[] {
  const partitions = Math.max(...opts.partitions, opts.latencyPartitions);
  return [
    '--default-partitions', String(partitions),
    '--cache-max-bytes', String(opts.cacheMaxBytes),
    '--buffer-max-bytes', String(opts.bufferMaxBytes),
    '--merge-buffer-bytes', String(opts.mergeBufferBytes),
    '--flush-bytes', String(opts.flushBytes),
    ...opts.brokerArgs,
  ];
}

async function openBackend(backend: Backend): Promise<BackendEnv> {
  return backend === 'embedded' ? embeddedBackend() : postgresS3Backend();
}

/**
 * PUT/GET of the store at the mean flush object size the fixed-load run produced (what a flush
 * actually costs), and at --flush-bytes (the largest flush), with the broker stopped.
 */
async function objectCeilings(env: BackendEnv, opts: BenchOptions, result: BackendResult): Promise<ObjectCeiling[]> {
  const store = await env.openObjects();
  try {
    const concurrency = Math.max(1, Math.min(opts.consumers, opts.latencyPartitions));
    const observed = result.latency?.meanFlushObjectBytes ?? result.max[0]?.meanFlushObjectBytes;
    const sizes = observed !== undefined && Number.isFinite(observed) ? [Math.round(observed), opts.flushBytes] : [opts.flushBytes];
    const out: ObjectCeiling[] = [];
    for (const s of sizes) {
      const o = await measureObjects(store, s, opts.objectOps, concurrency);
      out.push(o);
      log(`  ceiling: object PUT ${(s / 1e6).toFixed(2)} MB p50 ${o.put.p50.toFixed(2)} ms; GET ${o.getConcurrentMbPerSec.toFixed(0)} MB/s with ${concurrency} in flight`);
    }
    return out;
  } finally {
    await store.close();
  }
}

function brokerFigures(ctx: RunContext): BrokerFigures {
  const peakKb = Math.max(...ctx.brokers.map((b) => b.watch.peakRssKb));
  const startupPeakKb = Math.max(...ctx.brokers.map((b) => b.watch.startupPeakRssKb));
  const { opts } = ctx;
  return {
    peakRssMB: (peakKb * 1024) / 1e6,
    startupPeakRssMB: (startupPeakKb * 1024) / 1e6,
    peakRssExact: ctx.brokers.every((b) => b.watch.hwmReset),
    configuredMB:
      (flagValue(ctx.brokerArgs, '--cache-max-bytes', opts.cacheMaxBytes) +
        flagValue(ctx.brokerArgs, '--buffer-max-bytes', opts.bufferMaxBytes) +
        flagValue(ctx.brokerArgs, '--merge-buffer-bytes', opts.mergeBufferBytes)) /
      1e6,
    workloadCpuSeconds: ctx.brokers.reduce((s, b) => s + ((b.cpuAtStop ?? b.watch.cpu()) - b.startupCpuSeconds), 0),
    startupCpuSeconds: ctx.brokers.reduce((s, b) => s + b.startupCpuSeconds, 0),
    cpuProfiles: ctx.brokers.flatMap((b) => b.profiles),
  };
}

async function runBackend(opts: BenchOptions, backend: Backend, loopbackMb: number | null, cpuProfDir: string | undefined): Promise<BackendResult> {
  const started = performance.now();
  const result: BackendResult = {
    backend,
    description: '',
    skipped: null,
    commit: null,
    objects: [],
    max: [],
    latency: null,
    catchup: null,
    broker: null,
    ratios: [],
    elapsedS: 0,
  };
  if (backend === 'postgres-s3') {
    const why = await postgresS3Unavailable();
    if (why !== null) {
      result.skipped = why;
      return result;
    }
  }
  const env = await openBackend(backend);
  result.description = env.description;
  log(`\n== ${backend}: ${env.description}`);
  const has = (p: string): boolean => opts.phases.includes(p as never);
  const ctx = new RunContext(opts, env, brokerArgs(opts), cpuProfDir);
  try {
    if (has('ceilings')) {
      const meta = await env.openMetadata();
      try {
        result.commit = await measureCommit(meta.store, opts.pings);
        log(`  ceiling: metadata commit p50 ${result.commit.p50.toFixed(2)} ms, p99 ${result.commit.p99.toFixed(2)} ms`);
      } finally {
        await meta.close();
      }
    }
    await ctx.startBroker();
    log(`  broker pid ${ctx.broker.child.pid} on port ${ctx.broker.child.port}${cpuProfDir ? ` (--cpu-prof → ${cpuProfDir})` : ''}`);
    ctx.startGenerators();
    if (has('max')) result.max = await maxPhase(ctx);
    if (has('latency')) {
      const same = result.max.find((m) => m.partitions === opts.latencyPartitions && m.batchBytes === opts.latencyBatchBytes);
      let maxMb = same?.mbPerSec;
      if (maxMb === undefined) {
        log('  (measuring the max of the latency workload first)');
        const probe: ProduceFigures[] = await maxPhase(ctx, [opts.latencyPartitions], [opts.latencyBatchBytes]);
        maxMb = probe[0].mbPerSec;
      }
      result.latency = await latencyPhase(ctx, maxMb);
    }
    if (has('catchup')) result.catchup = await catchupPhase(ctx, true);
    await ctx.closeGenerators();
    await ctx.stopBroker(false);
    if (has('ceilings')) result.objects = await objectCeilings(env, opts, result);
    result.broker = brokerFigures(ctx);
    for (const p of result.broker.cpuProfiles) log(`  CPU profile written: ${p}  (npx tsx bench/top-functions.ts ${p} --phase max)`);
    result.ratios = computeRatios(loopbackMb, result, opts.consumers);
  } finally {
    ctx.progress.end();
    await ctx.closeGenerators().catch(() => undefined);
    if (ctx.brokers.length > 0 && ctx.broker.cpuAtStop === null) await ctx.stopBroker(false).catch(() => undefined);
    await env.close();
  }
  result.elapsedS = (performance.now() - started) / 1000;
  return result;
}

async function main(): Promise<void> {
  const opts = parseBenchArgs(process.argv.slice(2));
  if (!opts) return;
  const started = performance.now();
  const cpuProfDir = opts.cpuProf ? (opts.cpuProfDir ?? (await mkdtemp(join(tmpdir(), 'streamhouse-cpu-prof-')))) : undefined;
  const { json: _json, ...shown } = opts;
  const result: BenchResult = {
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    startedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, loadAverage: loadavg() },
    options: shown,
    loopback: null,
    backends: [],
    elapsedS: 0,
  };
  log('building the broker (tsc -p tsconfig.build.json)');
  await buildBroker();
  if (opts.phases.includes('ceilings')) {
    result.loopback = await measureLoopback(opts.loopbackBytes, opts.quick ? 1 : 3);
    log(`ceiling: loopback TCP ${result.loopback.mbPerSec.toFixed(0)} MB/s`);
  }
  for (const backend of opts.backends) {
    result.backends.push(await runBackend(opts, backend, result.loopback?.mbPerSec ?? null, cpuProfDir));
  }
  result.elapsedS = (performance.now() - started) / 1000;
  // With --json, stdout carries only the JSON; the table still goes to the terminal (stderr).
  if (opts.json) {
    process.stderr.write(`\n${formatReport(result)}\n`);
    process.stdout.write(`${JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  } else {
    process.stdout.write(`\n${formatReport(result)}\n`);
  }
  if (cpuProfDir) log(`\nCPU profiles of the broker are in ${cpuProfDir}; top self time: npx tsx bench/top-functions.ts <file>`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
