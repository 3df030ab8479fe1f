/** Parent side of a load-generator child: spawn it, hand it jobs, collect results and progress. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConsumeJob, ConsumeResult, FromChild, ProduceJob, ProduceResult, ToChild } from './messages.js';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type ProgressListener = (role: 'producer' | 'consumer', bytes: number, records: number) => void;

export class GeneratorProcess {
  private readonly child: ChildProcess;
  private waiters: ((m: FromChild) => void)[] = [];
  private readonly exited: Promise<void>;

  constructor(readonly name: string, private readonly onProgress: ProgressListener) {
    this.child = fork(CHILD, [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.on('message', (m: FromChild) => {
      if (m.kind === 'progress') return this.onProgress(m.role, m.bytes, m.records);
      const w = this.waiters.shift();
      if (w) w(m);
    });
    this.child.once('exit', (code) => {
      for (const w of this.waiters.splice(0)) w({ kind: 'failed', error: `${name} exited with ${code}` });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private next<K extends FromChild['kind']>(kind: K): Promise<Extract<FromChild, { kind: K }>> {
    return new Promise((resolve, reject) => {
      this.waiters.push((m) => {
        if (m.kind === kind) resolve(m as Extract<FromChild, { kind: K }>);
        else reject(new Error(`${this.name}: ${m.kind === 'failed' ? m.error : `unexpected ${m.kind}`}`));
      });
    });
  }

  private post(m: ToChild): void {
    this.child.send(m);
  }

  produce(job: Omit<ProduceJob, 'kind'>): Promise<ProduceResult> {
    const r = this.next('produce-result');
    this.post({ kind: 'produce', ...job });
    return r;
  }

  /** Starts consuming; resolves once the consumers are fetching. */
  async startConsuming(job: Omit<ConsumeJob, 'kind'>): Promise<void> {
    const ready = this.next('ready');
    this.post({ kind: 'consume', ...job });
    await ready;
  }

  /** Catch-up: resolves when the consumers reached job.until. */
  async catchUp(job: Omit<ConsumeJob, 'kind'>): Promise<ConsumeResult> {
    const ready = this.next('ready');
    const result = this.next('consume-result');
    this.post({ kind: 'consume', ...job });
    await ready;
    return result;
  }

  /** Tailing: stop once these end offsets are consumed (or after timeoutMs). */
  finish(endOffsets: bigint[], timeoutMs: number): Promise<ConsumeResult> {
    const r = this.next('consume-result');
    this.post({ kind: 'finish', endOffsets, timeoutMs });
    return r;
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.connected) this.post({ kind: 'exit' });
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 3000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
