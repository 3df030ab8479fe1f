import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.js';
import type { LogManager } from './log-manager.js';
import { ObjectGarbageCollector } from './object-gc.js';
import { RetentionEnforcer } from './retention.js';
import { SegmentMerger } from './segment-merger.js';

/** Runs the merger, retention and the object garbage collector on their intervals, one at a time. */
export class BackgroundTasks {
  readonly merger: SegmentMerger;
  readonly retention: RetentionEnforcer;
  readonly gc: ObjectGarbageCollector;
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    logs: LogManager,
    private readonly config: Pick<BrokerConfig, 'mergeMinSegments' | 'mergeIntervalMs' | 'mergeBufferBytes' | 'retentionCheckIntervalMs'>,
    private readonly log: Logger,
  ) {
    this.merger = new SegmentMerger(
      logs,
      {
        minSegments: config.mergeMinSegments,
        maxAgeMs: config.mergeIntervalMs * 6,
        minAgeMs: config.mergeIntervalMs * 3,
        maxBytesPerPass: 256 * 1024 * 1024,
        maxGroupBytes: config.mergeBufferBytes,
      },
      log,
    );
    this.retention = new RetentionEnforcer(logs, log);
    this.gc = new ObjectGarbageCollector(logs.metadata, logs.objects, config.mergeIntervalMs, log);
  }

  start(): void {
    this.every(this.config.mergeIntervalMs, 'merge', async () => {
      await this.merger.run();
      await this.gc.run();
    });
    this.every(this.config.retentionCheckIntervalMs, 'retention', () => this.retention.run());
  }

  /** Runs one retention + merge + GC pass now (tests, admin); `mergeYoung` also merges recent runs. */
  runOnce(options: { mergeYoung?: boolean } = {}): Promise<void> {
    return this.serial('manual', async () => {
      await this.retention.run();
      await this.merger.run(Date.now(), options.mergeYoung ? { minAgeMs: 0 } : {});
      await this.gc.run();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.merger.stop();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.running;
  }

  private every(ms: number, name: string, task: () => Promise<void>): void {
    const t = setInterval(() => void this.serial(name, task), ms);
    t.unref();
    this.timers.push(t);
  }

  private serial(name: string, task: () => Promise<void>): Promise<void> {
    const next = this.running.then(async () => {
      if (this.stopped && name !== 'manual') return;
      try {
        await task();
      } catch (err) {
        this.log.error({ err, task: name }, 'background task failed');
      }
    });
    this.running = next;
    return next;
  }
}
