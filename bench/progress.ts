/** One progress line on stderr while a workload runs (rewritten in place on a terminal). */
import { MB } from './stats.js';

export class Progress {
  private label = '';
  private produced = 0;
  private consumed = 0;
  private lastProduced = 0;
  private lastConsumed = 0;
  private lastAt = performance.now();
  private startedAt = performance.now();
  private timer: NodeJS.Timeout | null = null;
  private readonly tty = process.stderr.isTTY === true;

  begin(label: string): void {
    this.end();
    this.label = label;
    this.produced = this.consumed = this.lastProduced = this.lastConsumed = 0;
    this.startedAt = this.lastAt = performance.now();
    this.timer = setInterval(() => this.print(), 1000);
    this.timer.unref();
  }

  update(role: 'producer' | 'consumer', bytes: number): void {
    if (role === 'producer') this.produced = bytes;
    else this.consumed = bytes;
  }

  note(message: string): void {
    this.clear();
    process.stderr.write(`${message}\n`);
  }

  end(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    this.print();
    if (this.tty) process.stderr.write('\n');
  }

  private clear(): void {
    if (this.tty && this.timer) process.stderr.write('\r\x1b[K');
  }

  private print(): void {
    const now = performance.now();
    const dt = (now - this.lastAt) / 1000;
    const p = Math.max(0, this.produced - this.lastProduced) / MB / dt;
    const c = Math.max(0, this.consumed - this.lastConsumed) / MB / dt;
    this.lastAt = now;
    this.lastProduced = this.produced;
    this.lastConsumed = this.consumed;
    const t = ((now - this.startedAt) / 1000).toFixed(0).padStart(3);
    const line = `  ${this.label}  t=${t}s  produce ${p.toFixed(1).padStart(7)} MB/s  consume ${c.toFixed(1).padStart(7)} MB/s  (total ${(this.produced / MB).toFixed(0)} / ${(this.consumed / MB).toFixed(0)} MB)`;
    if (this.tty) process.stderr.write(`\r\x1b[K${line}`);
    else process.stderr.write(`${line}\n`);
  }
}
