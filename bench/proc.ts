/**
 * CPU and memory of a process from /proc (Linux): utime+stime in clock ticks (USER_HZ = 100 on
 * every Linux ABI Node runs on), VmRSS and VmHWM (peak RSS) in kB.
 */
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SEC = 100;

/** User + system CPU seconds the process has used, or NaN when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
  } catch {
    return NaN;
  }
}

export interface MemoryKb {
  rss: number;
  hwm: number;
}

export function memoryKb(pid: number): MemoryKb {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return m ? Number(m[1]) : NaN;
    };
    return { rss: field('VmRSS'), hwm: field('VmHWM') };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}

/**
 * Watches one process: CPU seconds between marks, and the peak RSS (max of sampled VmRSS and the
 * kernel's VmHWM, which is exact but only readable while the process lives).
 */
export class ProcessWatch {
  private timer: NodeJS.Timeout;
  peakRssKb = 0;

  constructor(readonly pid: number, sampleMs = 200) {
    this.timer = setInterval(() => this.sample(), sampleMs);
    this.timer.unref();
    this.sample();
  }

  sample(): void {
    const m = memoryKb(this.pid);
    const peak = Math.max(Number.isNaN(m.rss) ? 0 : m.rss, Number.isNaN(m.hwm) ? 0 : m.hwm);
    if (peak > this.peakRssKb) this.peakRssKb = peak;
  }

  cpu(): number {
    return cpuSeconds(this.pid);
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}

/** CPU seconds a process used while `fn` ran, and the wall time. */
export interface CpuSpan {
  cpuSeconds: number;
  wallMs: number;
}

export class CpuMeter {
  private readonly startCpu: number;
  private readonly startWall = performance.now();

  constructor(private readonly pid: number) {
    this.startCpu = cpuSeconds(pid);
  }

  read(): CpuSpan {
    return { cpuSeconds: cpuSeconds(this.pid) - this.startCpu, wallMs: performance.now() - this.startWall };
  }
}
