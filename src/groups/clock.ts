/**
 * Time as an injected dependency, so that the group coordinator (and anything else with timers) runs
 * in virtual time in tests: `ManualClock.advance(ms)` fires the due timers synchronously, in due-time
 * order, with `now()` equal to each timer's due time while it runs.
 */

declare const timerBrand: unique symbol;
/** Opaque handle returned by `Clock.setTimeout`. */
export type TimerHandle = { readonly [timerBrand]: true };

export interface Clock {
  /** Milliseconds since the epoch (or since an arbitrary origin for a manual clock). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Node's setTimeout accepts at most 2^31-1 ms (larger values fire after 1 ms). */
const MAX_DELAY_MS = 2_147_483_647;

function clampDelay(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) return ms === Infinity ? MAX_DELAY_MS : 0;
  return Math.min(ms, MAX_DELAY_MS);
}

/** Wall-clock time and Node timers. Timers are unref'd: they never keep the process alive. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = setTimeout(fn, clampDelay(ms));
    t.unref();
    return t as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as unknown as NodeJS.Timeout);
  }
}

/** Alias of SystemClock. */
export const RealClock = SystemClock;
export type RealClock = SystemClock;

interface ManualTimer {
  readonly seq: number;
  readonly due: number;
  readonly fn: () => void;
}

/**
 * A clock that only moves when told to. Timers scheduled while `advance` runs are honoured when they
 * fall inside the window being advanced. A timer callback that throws stops `advance` and rethrows
 * (after `now()` has been set to that timer's due time).
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, ManualTimer>();

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const seq = ++this.#seq;
    this.#timers.set(seq, { seq, due: this.#now + clampDelay(ms), fn });
    return { seq } as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete((handle as unknown as { seq: number }).seq);
  }

  /** Number of timers scheduled and not yet fired or cleared. */
  pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance a clock by ${ms} ms`);
    const target = this.#now + ms;
    for (;;) {
      const next = this.#nextDue(target);
      if (next === undefined) break;
      this.#timers.delete(next.seq);
      this.#now = next.due;
      next.fn();
    }
    this.#now = target;
  }

  /** Fires the timers that are already due (e.g. scheduled with a 0 ms delay) without moving time. */
  runDue(): void {
    this.advance(0);
  }

  #nextDue(limit: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.#timers.values()) {
      if (t.due > limit) continue;
      if (best === undefined || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
