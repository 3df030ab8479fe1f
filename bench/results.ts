/** The shape of a bench run's results (what --json prints), and the ratios to the ceilings. */
import type { BenchOptions } from './args.js';
import type { LoopbackCeiling } from './ceilings/loopback.js';
import type { ObjectCeiling } from './ceilings/objects.js';
import type { CatchupFigures } from './phases/catchup.js';
import type { ProduceFigures } from './phases/max.js';
import type { LatencySummary } from './stats.js';

export interface BrokerFigures {
  /** Peak RSS under the workloads over every broker instance of the run (see ProcessWatch), MB. */
  peakRssMB: number;
  /** Peak RSS while a broker instance started, up to serving, MB. */
  startupPeakRssMB: number;
  /** Whether the load peak is the kernel's exact VmHWM (reset after start-up) or sampled VmRSS. */
  peakRssExact: boolean;
  /** The memory the broker is configured to hold: cache + produce buffer, MB. */
  configuredMB: number;
  /** CPU seconds of the broker instances, startup excluded. */
  workloadCpuSeconds: number;
  startupCpuSeconds: number;
  cpuProfiles: string[];
}

export interface Ratio {
  name: string;
  value: number;
  /** e.g. '≥ 0.50' */
  target: string;
  ok: boolean | null;
  /** How the ratio was formed, with the figures. */
  detail: string;
}

export interface BackendResult {
  backend: string;
  description: string;
  skipped: string | null;
  commit: LatencySummary | null;
  objects: ObjectCeiling[];
  max: ProduceFigures[];
  latency: ProduceFigures | null;
  catchup: CatchupFigures | null;
  broker: BrokerFigures | null;
  ratios: Ratio[];
  elapsedS: number;
}

export interface BenchResult {
  command: string;
  startedAt: string;
  machine: { cpus: number; node: string; loadAverage: number[] };
  options: Omit<BenchOptions, 'json'>;
  loopback: LoopbackCeiling | null;
  backends: BackendResult[];
  elapsedS: number;
}

function ratio(name: string, value: number, min: number | null, max: number | null, detail: string): Ratio {
  const target = min !== null ? `≥ ${min.toFixed(2)}` : `≤ ${max!.toFixed(2)}`;
  const ok = Number.isNaN(value) ? null : min !== null ? value >= min : value <= max!;
  return { name, value, target, ok, detail };
}

const f1 = (n: number): string => n.toFixed(1);

/** The targets, each figure over its ceiling. */
export function computeRatios(loopbackMbPerSec: number | null, r: BackendResult, consumers: number): Ratio[] {
  const out: Ratio[] = [];
  const lo = loopbackMbPerSec ?? NaN;
  const best = r.max.reduce<ProduceFigures | null>((b, x) => (b === null || x.mbPerSec > b.mbPerSec ? x : b), null);
  if (best) {
    out.push(ratio('produce MB/s ÷ loopback MB/s', best.mbPerSec / lo, 0.5, null, `${f1(best.mbPerSec)} MB/s (${best.partitions}p, ${best.batchBytes / 1024} KiB) ÷ ${f1(lo)} MB/s`));
  }
  const put = r.objects[0];
  if (r.latency && put && r.commit) {
    const floor = put.put.p50 + r.commit.p50;
    const why = `÷ (PUT p50 ${put.put.p50.toFixed(2)} ms of ${(put.sizeBytes / 1e6).toFixed(2)} MB + commit p50 ${r.commit.p50.toFixed(2)} ms = ${floor.toFixed(2)} ms)`;
    out.push(ratio('produce p99 at 50% load ÷ (PUT + commit)', r.latency.latency.p99 / floor, null, 2, `${r.latency.latency.p99.toFixed(2)} ms ${why}`));
    out.push(ratio('end-to-end p99 at 50% load ÷ (PUT + commit)', r.latency.e2e.p99 / floor, null, 3, `${r.latency.e2e.p99.toFixed(2)} ms ${why}`));
  }
  if (r.catchup) {
    out.push(ratio('cached catch-up MB/s ÷ loopback MB/s', r.catchup.cached.mbPerSec / lo, 0.7, null, `${f1(r.catchup.cached.mbPerSec)} MB/s ÷ ${f1(lo)} MB/s`));
    if (r.catchup.cold && put) {
      const get = Math.max(put.getMbPerSec, put.getConcurrentMbPerSec);
      const how = get === put.getMbPerSec ? 'one at a time' : `${put.concurrency} in flight = consumers ${consumers}`;
      out.push(
        ratio(
          'cold catch-up MB/s ÷ store GET MB/s',
          r.catchup.cold.mbPerSec / get,
          0.5,
          null,
          `${f1(r.catchup.cold.mbPerSec)} MB/s ÷ ${f1(get)} MB/s (GETs of ${(put.sizeBytes / 1e6).toFixed(2)} MB, ${how})`,
        ),
      );
    }
  }
  if (r.broker) {
    const budget = r.broker.configuredMB + 150;
    out.push(ratio('peak RSS under load ÷ (cache + buffers + 150 MB)', r.broker.peakRssMB / budget, null, 1, `${f1(r.broker.peakRssMB)} MB ÷ ${f1(budget)} MB`));
  }
  return out;
}
