import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.js';
import type { LogManager } from './log-manager.js';
import { ObjectGarbageCollector } from './object-gc.js';
import { RetentionEnforcer } from './retention.js';
import { SegmentMerger, type MergePolicy } from './segment-merger.js';

export interface BackgroundTaskOptions {
  /** Changes to the merge policy derived from the configuration (tests). */
  mergePolicy?: Partial<MergePolicy>;
  /** Pause before another merge pass when one ran out of budget with work left. */
  backlogPauseMs?: number;
}

/**
 * Pause between merge passes while there is a backlog: the merger then rewrites up to 256 MiB per
 * pass back to back instead of per interval (10 s), which capped it at ~25 MB/s — below what one
 * agent takes in, so under sustained produce small runs (a segment row each) piled up without end.
 */
const BACKLOG_PAUSE_MS = 250;

/** Runs the merger, retention and the object garbage collector on their intervals, one at a time. */
export class BackgroundTasks {
  readonly merger: SegmentMerger;
  readonly retention: RetentionEnforcer;
  readonly gc: ObjectGarbageCollector;
  private timers: NodeJS.Timeout[] = [];
  private backlogTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly backlogPauseMs: number;

  constructor(
    logs: LogManager,
    private readonly config: Pick<BrokerConfig, 'mergeMinSegments' | 'mergeIntervalMs' | 'mergeBufferBytes' | 'retentionCheckIntervalMs'>,
    private readonly log: Logger,
    options: BackgroundTaskOptions = {},
  ) {
    this.merger = new SegmentMerger(
      logs,
      {
        minSegments: config.mergeMinSegments,
        maxAgeMs: config.mergeIntervalMs * 6,
        minAgeMs: config.mergeIntervalMs * 3,
        maxBytesPerPass: 256 * 1024 * 1024,
        maxGroupBytes: config.mergeBufferBytes,
        ...options.mergePolicy,
      },
      log,
    );
    this.backlogPauseMs = options.backlogPauseMs ?? BACKLOG_PAUSE_MS;
    this.retention = new RetentionEnforcer(logs, log);
    this.gc = new ObjectGarbageCollector(logs.metadata, logs.objects, config.mergeIntervalMs, log);
  }

  start(): void {
    this.every(this.config.mergeIntervalMs, 'merge', () => this.mergeAndCollect());
    this.every(this.config.retentionCheckIntervalMs, 'retention', () => this.retention.run());
  }

  /**
   * One merge pass and one GC pass (what the merge interval runs). When the pass left work for
   * lack of budget, another is queued after a short pause, and so on until the backlog is gone.
   */
  async mergeAndCollect(): Promise<void> {
    const more = await this.merger.run();
    await this.gc.run();
    if (more && !this.stopped && this.backlogTimer === null) {
      this.backlogTimer = setTimeout(() => {
        this.backlogTimer = null;
        void this.serial('merge backlog', () => this.mergeAndCollect());
      }, this.backlogPauseMs);
      this.backlogTimer.unref();
    }
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
    if (this.backlogTimer) clearTimeout(this.backlogTimer);
    this.backlogTimer = null;
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
