/**
 * Open read handles of the files read most recently, for ranged reads. A flush object holds one
 * run of every partition it flushed, and a consumer catching up reads those runs one partition
 * at a time: with the handle kept, each run costs one read instead of open + read + close (three
 * trips through libuv's thread pool).
 *
 * A handle is closed once it is neither among the `max` most recently used nor in use by a read.
 * `forget(path)` must be called when the file at `path` is replaced or removed, so no later read
 * goes to the old file.
 */
import { open, type FileHandle } from 'node:fs/promises';

interface Entry {
  handle: Promise<FileHandle>;
  users: number;
  /** Out of the table (evicted or forgotten): close when the last user is done. */
  retired: boolean;
}

export class ReadHandles {
  /** In use order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly max: number) {}

  /** Runs `read` with an open handle of `path` (opened now, or kept from an earlier read). */
  async use<T>(path: string, read: (fh: FileHandle) => Promise<T>): Promise<T> {
    let entry = this.entries.get(path);
    if (entry) {
      this.entries.delete(path); // re-inserted below: now the most recently used
    } else {
      entry = { handle: open(path, 'r'), users: 0, retired: false };
    }
    this.entries.set(path, entry);
    entry.users++;
    try {
      return await read(await entry.handle);
    } catch (err) {
      // A failed open (a missing file) is not kept; a failed read may be a bad handle.
      this.retire(path, entry);
      throw err;
    } finally {
      entry.users--;
      await this.closeIfIdle(entry);
      await this.trim();
    }
  }

  /** The file at `path` is being replaced or removed: reads from now on open it again. */
  async forget(path: string): Promise<void> {
    const entry = this.entries.get(path);
    if (!entry) return;
    this.retire(path, entry);
    await this.closeIfIdle(entry);
  }

  /** Closes every handle no read is using (the rest close as their reads end). */
  async closeAll(): Promise<void> {
    const all = [...this.entries];
    for (const [path, entry] of all) this.retire(path, entry);
    await Promise.all(all.map(([, entry]) => this.closeIfIdle(entry)));
  }

  get size(): number {
    return this.entries.size;
  }

  private retire(path: string, entry: Entry): void {
    entry.retired = true;
    if (this.entries.get(path) === entry) this.entries.delete(path);
  }

  private async trim(): Promise<void> {
    for (const [path, entry] of this.entries) {
      if (this.entries.size <= this.max) return;
      if (entry.users > 0) continue;
      this.retire(path, entry);
      await this.closeIfIdle(entry);
    }
  }

  private async closeIfIdle(entry: Entry): Promise<void> {
    if (!entry.retired || entry.users !== 0) return; // still in use, or closed already
    entry.users = -1; // closed: never again
    let fh: FileHandle;
    try {
      fh = await entry.handle;
    } catch {
      return; // the open failed: nothing to close (the read that opened it reported why)
    }
    await fh.close();
  }
}
