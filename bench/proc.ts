/**
 * CPU and memory of a process from /proc (Linux): utime+stime in clock ticks (USER_HZ = 100 on
 * every Linux ABI Node runs on), VmRSS and VmHWM (peak RSS) in kB.
 */
import { readFileSync, writeFileSync } from 'node:fs';

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
 * Watches one process from the moment it serves: CPU seconds between marks, and the peak RSS of the
 * workloads. The kernel's VmHWM is exact but counts start-up too (opening the embedded database
 * compiles PGlite's WebAssembly; its first-start initdb runs in a child process of its own); so the
 * start-up peak is read first, kept apart, and the kernel's counter reset (`5` to
 * /proc/<pid>/clear_refs, Linux 4.0+). Where that reset is not allowed, the load peak is the max of
 * VmRSS sampled every `sampleMs`, which can miss short spikes.
 */
export class ProcessWatch {
  private timer: NodeJS.Timeout;
  /** Peak RSS while the process started, up to when it served. */
  readonly startupPeakRssKb: number;
  /** Whether VmHWM was reset after start-up, so that it counts the workloads only. */
  readonly hwmReset: boolean;
  peakRssKb = 0;

  constructor(readonly pid: number, sampleMs = 200) {
    const start = memoryKb(pid);
    this.startupPeakRssKb = Math.max(start.hwm, start.rss);
    this.hwmReset = resetPeakRss(pid);
    this.timer = setInterval(() => this.sample(), sampleMs);
    this.timer.unref();
    this.sample();
  }

  sample(): void {
    const m = memoryKb(this.pid);
    const rss = Number.isNaN(m.rss) ? 0 : m.rss;
    const peak = this.hwmReset && !Number.isNaN(m.hwm) ? Math.max(rss, m.hwm) : rss;
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

/** Resets the kernel's peak-RSS counter of a process to its current RSS; false where not allowed. */
function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
