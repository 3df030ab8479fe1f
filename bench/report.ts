/** The human-readable report: one section per backend, then the ratios to the ceilings. */
import type { BackendResult, BenchResult } from './results.js';
import type { ProduceFigures } from './phases/max.js';
import type { CatchupRead } from './phases/catchup.js';
import type { LatencySummary } from './stats.js';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const n = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–');
const ms = (v: number): string => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v.toFixed(1)) : '–');
const lat = (s: LatencySummary, p999 = true): string => (s.count === 0 ? '–' : `${ms(s.p50)} / ${ms(s.p99)}${p999 ? ` / ${ms(s.p999)}` : ''}`);
const size = (b: number): string => (b >= 1024 * 1024 ? `${n(b / (1024 * 1024), b % (1024 * 1024) === 0 ? 0 : 1)} MiB` : `${n(b / 1024, 0)} KiB`);

function produceRows(rows: ProduceFigures[]): string {
  return table(
    ['partitions', 'batch', 'MB/s', 'records/s', 'produce p50/p99/p999 ms', 'consume MB/s', 'broker cores', 'CPU s/GB', 'gen cores', 'flushes/s', 'flush obj', 'errors'],
    rows.map((r) => [
      String(r.partitions),
      size(r.batchBytes),
      n(r.mbPerSec),
      n(r.recordsPerSec, 0),
      lat(r.latency),
      `${n(r.consumeMbPerSec)}${r.consumersCaughtUp ? '' : ' (behind)'}`,
      n(r.brokerCores, 2) + (r.backendCores !== null ? ` (+s3rver ${n(r.backendCores, 2)})` : ''),
      n(r.brokerCpuSecPerGB, 1),
      n(r.generatorCores, 2),
      n(r.flushesPerSec, 0),
      Number.isFinite(r.meanFlushObjectBytes) ? `${n(r.meanFlushObjectBytes / 1024, 0)} KiB` : '–',
      Object.keys(r.errors).length === 0 ? '0' : Object.entries(r.errors).map(([k, v]) => `${k}×${v}`).join(' '),
    ]),
  );
}

function readRow(name: string, r: CatchupRead): string[] {
  return [
    name,
    n(r.bytes / 1e6, 0),
    n(r.ms / 1000, 2),
    n(r.mbPerSec),
    r.repeats.length > 1 ? `${n(Math.min(...r.repeats))}–${n(Math.max(...r.repeats))} (${r.repeats.length})` : '',
    String(r.fetches),
    n(r.brokerCores, 2) + (r.backendCores !== null ? ` (+s3rver ${n(r.backendCores, 2)})` : ''),
    r.complete ? 'yes' : 'NO',
  ];
}

function backendSection(r: BackendResult): string {
  const out: string[] = [`== ${r.backend} — ${r.description}`];
  if (r.skipped) return `${out[0]}\n  skipped: ${r.skipped}`;
  const c: string[][] = [];
  if (r.commit) c.push(['metadata commit (store.ping: BEGIN/UPDATE/COMMIT)', `p50 ${ms(r.commit.p50)} ms  p99 ${ms(r.commit.p99)} ms  (n=${r.commit.count})`]);
  for (const o of r.objects) {
    c.push([`object PUT ${size(o.sizeBytes)}`, `p50 ${ms(o.put.p50)} ms  p99 ${ms(o.put.p99)} ms  (n=${o.put.count})`]);
    c.push([`object GET ${size(o.sizeBytes)}`, `p50 ${ms(o.get.p50)} ms  p99 ${ms(o.get.p99)} ms; ${n(o.getMbPerSec)} MB/s one at a time, ${n(o.getConcurrentMbPerSec)} MB/s with ${o.concurrency} in flight`]);
  }
  if (c.length > 0) out.push('', 'Ceilings (this backend)', table(['ceiling', 'measured'], c));
  if (r.max.length > 0) out.push('', 'Max throughput (closed loop: acks=all, 1 KiB records)', produceRows(r.max));
  if (r.latency) {
    out.push('', `Fixed load: ${n(r.latency.offeredMbPerSec ?? NaN)} MB/s offered (50% of max), batches stamped with their send time`);
    out.push(produceRows([r.latency]));
    out.push(`  end-to-end (send → fetched by a tailing consumer) p50/p99/p999: ${lat(r.latency.e2e)} ms  (${r.latency.e2e.count} batches; late sends ${r.latency.lateSends})`);
  }
  if (r.catchup) {
    const k = r.catchup;
    out.push('', `Catch-up from offset 0 (${k.partitions} partitions, ${size(k.batchBytes)} batches, written at ${n(k.writeMbPerSec)} MB/s)`);
    const first = k.cached.firstPassMbPerSec !== null ? `, first pass ${n(k.cached.firstPassMbPerSec)} MB/s` : '';
    const rows = [readRow(`from cache (${k.cached.passes} × ${n(k.writtenBytes / 1e6, 0)} MB${first})`, k.cached)];
    if (k.cold) rows.push(readRow(`cold, after a restart (first: stop ${n((k.restart?.stopMs ?? NaN) / 1000, 1)} s, start ${n((k.restart?.startMs ?? NaN) / 1000, 1)} s)`, k.cold));
    out.push(table(['read', 'MB', 's', 'MB/s (median)', 'range (reads)', 'fetches', 'broker cores', 'complete'], rows));
  }
  if (r.broker) {
    const b = r.broker;
    const how = b.peakRssExact ? 'VmHWM reset after start-up' : 'VmRSS sampled every 200 ms';
    out.push('', `Broker: peak RSS under load ${n(b.peakRssMB, 0)} MB (${how}; configured cache + produce buffer + merge buffer ${n(b.configuredMB, 0)} MB), at start-up ${n(b.startupPeakRssMB, 0)} MB; CPU ${n(b.workloadCpuSeconds)} s under load (+${n(b.startupCpuSeconds)} s startup)`);
    for (const p of b.cpuProfiles) out.push(`  CPU profile: ${p}`);
  }
  if (r.ratios.length > 0) {
    out.push('', 'Against the ceilings (targets from the issue)');
    out.push(table(['figure', 'ratio', 'target', 'ok', 'from'], r.ratios.map((x) => [x.name, n(x.value, 2), x.target, x.ok === null ? '–' : x.ok ? 'yes' : 'NO', x.detail])));
  }
  out.push('', `(${n(r.elapsedS, 0)} s)`);
  return out.join('\n');
}

export function formatReport(result: BenchResult): string {
  const head = [
    `StreamHouse bench — ${result.startedAt}, ${result.machine.cpus} CPUs, Node ${result.machine.node}, load average ${result.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}`,
    `command: ${result.command}`,
    `load: ${result.options.producers} producer connections × ${result.options.inFlight} in flight, ${result.options.consumers} consumer connections tailing; generator in its own processes`,
    'units: MB = 10^6 bytes; latencies in ms; cores = CPU seconds per second of the run; flush obj = mean size of the flush objects written (after segment compression)',
  ];
  if (result.loopback) head.push(`ceiling: loopback TCP between two Node processes, 1 MiB writes: ${n(result.loopback.mbPerSec, 0)} MB/s (median of ${result.loopback.runs.map((x) => n(x, 0)).join(', ')})`);
  return [...head, '', ...result.backends.map(backendSection), `total ${n(result.elapsedS, 0)} s`].join('\n\n').replace(/\n\n\n+/g, '\n\n');
}
