/** What every phase of one backend's run shares: the options, the broker, the generator, the stores. */
import { stat, writeFile } from 'node:fs/promises';
import { WireClient } from '../src/client/wire-client.js';
import type { BenchOptions } from './args.js';
import type { BackendEnv } from './backend.js';
import { startBrokerChild, type BrokerChild } from './broker.js';
import { GeneratorProcess } from './load/generator.js';
import { ProcessWatch } from './proc.js';
import { Progress } from './progress.js';

export interface BrokerInstance {
  child: BrokerChild;
  watch: ProcessWatch;
  /** CPU seconds at start (start-up and migrations), excluded from the workload figures. */
  startupCpuSeconds: number;
  /** CPU profile files (main thread first), with --cpu-prof. */
  profiles: string[];
  /** CPU seconds at SIGTERM (before the shutdown's own work). */
  cpuAtStop: number | null;
  /** When each workload ran (µs of the monotonic clock, the one CPU profiles are stamped with). */
  windows: ProfileWindow[];
}

export interface ProfileWindow {
  label: string;
  startUs: number;
  endUs: number;
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

export class RunContext {
  readonly brokers: BrokerInstance[] = [];
  readonly progress = new Progress();
  producers!: GeneratorProcess;
  consumers!: GeneratorProcess;
  admin!: WireClient;

  constructor(
    readonly opts: BenchOptions,
    readonly env: BackendEnv,
    readonly brokerArgs: string[],
    readonly cpuProfDir: string | undefined,
  ) {}

  get broker(): BrokerInstance {
    return this.brokers[this.brokers.length - 1];
  }

  get host(): string {
    return '127.0.0.1';
  }

  async startBroker(): Promise<void> {
    const child = await startBrokerChild({ args: [...this.env.brokerArgs, ...this.brokerArgs], env: this.env.brokerEnv, cpuProfDir: this.cpuProfDir, nodeArgs: this.opts.nodeArgs });
    const watch = new ProcessWatch(child.pid);
    this.brokers.push({ child, watch, startupCpuSeconds: watch.cpu(), profiles: [], cpuAtStop: null, windows: [] });
    this.admin = await WireClient.connect(this.host, child.port, 'streamhouse-bench-admin');
  }

  /**
   * Stops the current broker. `clean`: wait for its own shutdown however long (a restart, or a CPU
   * profile to be written); otherwise SIGKILL after 10 s, as the figures are taken by then.
   */
  async stopBroker(clean: boolean): Promise<void> {
    const b = this.broker;
    await this.admin.close();
    b.watch.sample();
    b.cpuAtStop = b.watch.cpu();
    b.profiles = await b.child.stop(clean || this.cpuProfDir ? 180_000 : 10_000);
    b.watch.stop();
    // Next to each profile: when the workloads ran, for `top-functions.ts --phase`.
    for (const p of b.profiles) await writeFile(`${p}.phases.json`, `${JSON.stringify(b.windows, null, 2)}\n`);
  }

  /** Restarts the broker on the same stores; returns how long the stop and the start took (ms). */
  /** Marks the start of a workload on the current broker; call the result at its end. */
  window(label: string): () => void {
    const b = this.broker;
    const startUs = nowUs();
    return () => void b.windows.push({ label, startUs, endUs: nowUs() });
  }

  async restartBroker(): Promise<{ stopMs: number; startMs: number }> {
    const t0 = performance.now();
    await this.stopBroker(true);
    const t1 = performance.now();
    await this.startBroker();
    return { stopMs: t1 - t0, startMs: performance.now() - t1 };
  }

  startGenerators(): void {
    const onProgress = (role: 'producer' | 'consumer', bytes: number): void => this.progress.update(role, bytes);
    this.producers = new GeneratorProcess('producers', onProgress);
    this.consumers = new GeneratorProcess('consumers', onProgress);
  }

  async closeGenerators(): Promise<void> {
    await Promise.all([this.producers?.close(), this.consumers?.close()]);
  }

  /** Consumer connections' partitions: partition p goes to consumer p mod M (at least one consumer). */
  assignments(partitions: number): number[][] {
    const m = Math.max(1, Math.min(this.opts.consumers, partitions));
    return Array.from({ length: m }, (_, c) => Array.from({ length: partitions }, (_, p) => p).filter((p) => p % m === c));
  }
}

/** Flush objects written between two listings, and their sizes on disk. */
export async function newFlushObjects(env: BackendEnv, before: Set<string>): Promise<{ count: number; meanBytes: number }> {
  const after = await env.flushObjects();
  const fresh = [...after].filter((k) => !before.has(k));
  let total = 0;
  let sized = 0;
  for (const path of fresh.slice(-200)) {
    try {
      total += (await stat(path)).size;
      sized++;
    } catch {
      // deleted by the garbage collector meanwhile
    }
  }
  return { count: fresh.length, meanBytes: sized > 0 ? total / sized : NaN };
}
