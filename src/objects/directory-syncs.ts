import { open } from 'node:fs/promises';

/** What a directory sync needs of an open directory (a FileHandle opened read-only). */
export interface OpenDirectory {
  sync(): Promise<void>;
  close(): Promise<void>;
}

export function openDirectory(dir: string): Promise<OpenDirectory> {
  return open(dir, 'r');
}

interface DirectoryState {
  /** Kept open between syncs; dropped after a failure. */
  handle: Promise<OpenDirectory> | null;
  running: Promise<void> | null;
  /** The sync that starts when the running one ends, shared by everyone who asked meanwhile. */
  queued: Promise<void> | null;
}

/** Directories whose handles stay open between syncs: flushes write into one, merges into a few. */
const KEEP_OPEN = 8;

/**
 * Directory fsyncs shared between concurrent puts. A put needs a sync of its directory that
 * started after its rename; every put that renamed while one sync ran shares the next one, so a
 * directory sees at most one sync running and one queued instead of one per put. The directory
 * stays open between syncs (the `keepOpen` most recently synced ones), so a sync is one round
 * trip through the thread pool instead of three (open, fsync, close).
 * A kept handle always names the live directory because the store never removes directories.
 */
export class DirectorySyncs {
  /** In order of last use, oldest first. */
  private readonly dirs = new Map<string, DirectoryState>();
  private readonly closing = new Set<Promise<void>>();

  constructor(
    private readonly openDir: (dir: string) => Promise<OpenDirectory> = openDirectory,
    private readonly keepOpen = KEEP_OPEN,
  ) {}

  /** Resolves once a sync of `dir` that started after this call has finished. */
  sync(dir: string): Promise<void> {
    const state = this.touch(dir);
    if (state.queued) return state.queued;
    if (!state.running) return this.start(dir, state);
    const startQueued = (): Promise<void> => {
      state.queued = null;
      return this.start(dir, state);
    };
    state.queued = state.running.then(startQueued, startQueued);
    return state.queued;
  }

  /** The directory's state, made the most recently used. */
  private touch(dir: string): DirectoryState {
    const state = this.dirs.get(dir) ?? { handle: null, running: null, queued: null };
    this.dirs.delete(dir);
    this.dirs.set(dir, state);
    return state;
  }

  /** Waits for the syncs under way, then closes every kept directory. */
  async close(): Promise<void> {
    const states = [...this.dirs.values()];
    await Promise.allSettled(states.flatMap((s) => [s.running, s.queued].filter((p) => p !== null)));
    this.dirs.clear();
    for (const s of states) this.release(s);
    await Promise.all([...this.closing]);
  }

  private start(dir: string, state: DirectoryState): Promise<void> {
    const run = this.syncOnce(dir, state);
    state.running = run;
    const settle = (): void => {
      if (state.running === run) state.running = null;
      this.trim();
    };
    run.then(settle, settle);
    return run;
  }

  private async syncOnce(dir: string, state: DirectoryState): Promise<void> {
    const opening = state.handle ?? this.openDir(dir);
    state.handle = opening;
    try {
      await (await opening).sync();
    } catch (err) {
      // A directory that failed to open or sync is opened afresh next time.
      if (state.handle === opening) this.release(state);
      throw err;
    }
  }

  /** Closes the kept handles of the least recently synced idle directories beyond `keepOpen`. */
  private trim(): void {
    let excess = this.dirs.size - this.keepOpen;
    for (const [dir, state] of this.dirs) {
      if (excess <= 0) break;
      if (state.running || state.queued) continue;
      this.dirs.delete(dir);
      this.release(state);
      excess--;
    }
  }

  /** Closes the state's handle; a failure to close is reported by close(). */
  private release(state: DirectoryState): void {
    const handle = state.handle;
    state.handle = null;
    if (!handle) return;
    const closed = handle.then(
      (h) => h.close(),
      () => undefined, // never opened: its sync already reported why
    );
    this.closing.add(closed);
    void closed.then(
      () => this.closing.delete(closed),
      () => undefined, // kept in `closing`, so close() rejects with it
    );
  }
}
