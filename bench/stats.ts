/** Latency samples (milliseconds) and the summaries the report prints. */

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export const EMPTY_SUMMARY: LatencySummary = { count: 0, p50: NaN, p99: NaN, p999: NaN, max: NaN, mean: NaN };

/** Nearest-rank quantile of ascending `sorted`. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

export function summarize(samples: ArrayLike<number>): LatencySummary {
  if (samples.length === 0) return EMPTY_SUMMARY;
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    p999: quantile(sorted, 0.999),
    max: sorted[sorted.length - 1],
    mean: sum / sorted.length,
  };
}

/** A growable array of float64 samples (cheap to push, cheap to send over IPC). */
export class Samples {
  private data = new Float64Array(1024);
  private n = 0;

  push(v: number): void {
    if (this.n === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = v;
  }

  get length(): number {
    return this.n;
  }

  toArray(): Float64Array {
    return this.data.slice(0, this.n);
  }

  clear(): void {
    this.n = 0;
  }
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)];
}

export const MiB = 1024 * 1024;
export const MB = 1_000_000;

/** Megabytes (10^6, as Kafka's perf tools and measured.md print) per second. */
export function mbPerSec(bytes: number, ms: number): number {
  return ms <= 0 ? NaN : bytes / MB / (ms / 1000);
}
