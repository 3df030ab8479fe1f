/**
 * ObjectStore on a local directory (the embedded default).
 *
 * Key `a/b/c.obj` lives at `<root>/a/b/c.obj`. A put writes `<name>.<nonce>.sh-tmp` in the same
 * directory, renames it over the final name once all its bytes are written, then fsyncs the file
 * and the directory before it returns. A reader, or a restart after the process was killed, sees
 * either the old object or the whole new one, never a partial file. Renaming before the fsyncs
 * lets them run at once, and puts renamed into a directory while its sync runs share the next
 * one (DirectorySyncs); the price is that a power loss during a put that never returned may
 * leave its key with incomplete bytes — StreamHouse references an object only after its put
 * returned, and never writes a key twice.
 * Leftover temp files (from a crash mid-put) are invisible to get/list and removed by `sweepTemp()`.
 * Ranged reads keep the files they read open for the next read (ReadHandles); a put or delete of
 * a key closes its kept handle, so no read after it goes to the old file.
 *
 * Limitation compared to S3: a key cannot also be a "directory" of another key (`a` and `a/b`).
 */
import { open, readFile, rename, unlink, mkdir, readdir, stat, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join, dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ByteRange, ObjectInfo, ObjectStore } from './object-store.js';
import { ObjectNotFoundError } from './object-store.js';
import { ReadHandles } from './read-handles.js';
import { DirectorySyncs } from './directory-syncs.js';

const TEMP_SUFFIX = '.sh-tmp';

export class InvalidObjectKeyError extends Error {
  readonly code = 'INVALID_OBJECT_KEY';
  constructor(readonly key: string, reason: string) {
    super(`invalid object key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidObjectKeyError';
  }
}

/** Validates a key against the rules in object-store.ts; shared by both implementations. */
export function validateObjectKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidObjectKeyError(String(key), 'empty');
  if (key.startsWith('/')) throw new InvalidObjectKeyError(key, 'starts with /');
  if (key.includes('..')) throw new InvalidObjectKeyError(key, 'contains ..');
  if (key.includes('\0')) throw new InvalidObjectKeyError(key, 'contains NUL');
  if (key.includes('\\')) throw new InvalidObjectKeyError(key, 'contains a backslash');
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.') throw new InvalidObjectKeyError(key, 'empty or "." path segment');
    if (segment.endsWith(TEMP_SUFFIX)) throw new InvalidObjectKeyError(key, `segment ends with reserved ${TEMP_SUFFIX}`);
  }
}

export interface DirectoryObjectStoreOptions {
  /** Root directory; created when missing. */
  root: string;
  /** A put of more bytes than this is written and synced to disk in slices of this size (8 MiB). */
  syncSliceBytes?: number;
}

const SYNC_SLICE_BYTES = 8 * 1024 * 1024;
/** Files kept open for ranged reads: enough for a consumer catching up across many flush objects. */
const READ_HANDLES = 64;

function isErrno(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}

const MAX_IOV = 512;

/**
 * Writes every buffer back to back from position 0, at most `sliceBytes` per writev, asking the
 * disk to catch up (fdatasync) between slices. A large put (a merged segment of 64 MB) then never
 * has more than one slice of dirty data queued at the device, so the small fsyncs of the produce
 * path's flushes wait behind a slice, not behind the whole object.
 */
async function writeAll(fh: FileHandle, buffers: readonly Buffer[], sliceBytes: number): Promise<void> {
  let position = 0;
  let pending = buffers.filter((b) => b.length > 0);
  while (pending.length > 0) {
    const group: Buffer[] = [];
    let want = 0;
    for (const b of pending) {
      if (group.length === MAX_IOV || want === sliceBytes) break;
      const take = Math.min(b.length, sliceBytes - want);
      group.push(take === b.length ? b : b.subarray(0, take));
      want += take;
    }
    const { bytesWritten } = await fh.writev(group, position);
    position += bytesWritten;
    // Drop what was written (all of the group, or less after a partial write) and go on.
    let skip = bytesWritten;
    const rest: Buffer[] = [];
    for (const b of pending) {
      if (skip >= b.length) {
        skip -= b.length;
        continue;
      }
      rest.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
    pending = rest;
    if (pending.length > 0 && want === sliceBytes && bytesWritten === want) await fh.datasync();
  }
}

export class DirectoryObjectStore implements ObjectStore {
  readonly root: string;
  readonly description: string;
  private closed = false;

  private readonly syncSliceBytes: number;
  private readonly readHandles = new ReadHandles(READ_HANDLES);
  private readonly dirSyncs = new DirectorySyncs();

  /** `root` directory, or options; the directory is created on first put (or by init()). */
  constructor(options: DirectoryObjectStoreOptions | string) {
    const o = typeof options === 'string' ? { root: options } : options;
    this.root = resolve(o.root);
    this.syncSliceBytes = o.syncSliceBytes ?? SYNC_SLICE_BYTES;
    this.description = `dir:${this.root}`;
  }

  /** Creates the root directory (also done lazily by put). */
  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  private pathOf(key: string): string {
    validateObjectKey(key);
    return join(this.root, ...key.split('/'));
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`${this.description}: store is closed`);
  }

  async put(key: string, body: Buffer | readonly Buffer[]): Promise<void> {
    this.checkOpen();
    const finalPath = this.pathOf(key);
    const dir = dirname(finalPath);
    const tempPath = `${finalPath}.${process.pid}-${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
    const buffers = Buffer.isBuffer(body) ? [body] : body;
    const fh = await this.createFile(tempPath, dir);
    let renamed = false;
    try {
      try {
        await writeAll(fh, buffers, this.syncSliceBytes);
        await rename(tempPath, finalPath);
        renamed = true;
        // The file's data and its new name are made durable at the same time.
        await Promise.all([this.readHandles.forget(finalPath), fh.sync(), this.dirSyncs.sync(dir)]);
      } finally {
        await fh.close();
      }
    } catch (err) {
      if (!renamed) await unlink(tempPath).catch(() => undefined);
      throw err;
    }
  }

  /** Creates a file, making its directory first if it is missing (the common case skips mkdir). */
  private async createFile(path: string, dir: string): Promise<FileHandle> {
    try {
      return await open(path, 'wx', 0o644);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    const firstCreated = await mkdir(dir, { recursive: true });
    if (firstCreated !== undefined) {
      // New directories must be durable too: fsync each new directory and the parent of the first
      // one created (`dir` itself is fsynced after the put's rename).
      const dirs: string[] = [];
      for (let p = dir; ; p = dirname(p)) {
        if (p !== dir) dirs.push(p);
        if (p === firstCreated || p === dirname(p)) break;
      }
      dirs.push(dirname(firstCreated));
      for (const p of dirs) await this.dirSyncs.sync(p);
    }
    return open(path, 'wx', 0o644);
  }

  async get(key: string): Promise<Buffer> {
    this.checkOpen();
    const path = this.pathOf(key);
    try {
      return await readFile(path);
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'EISDIR', 'ENOTDIR')) throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async getRange(key: string, range: ByteRange, into?: Buffer): Promise<Buffer> {
    this.checkOpen();
    checkRange(range, into);
    const path = this.pathOf(key);
    try {
      return await this.readHandles.use(path, async (fh) => {
        const out = into ? into.subarray(0, range.length) : Buffer.allocUnsafe(range.length);
        let filled = 0;
        while (filled < range.length) {
          const { bytesRead } = await fh.read(out, filled, range.length - filled, range.start + filled);
          if (bytesRead === 0) break; // end of file: return what exists (S3 semantics)
          filled += bytesRead;
        }
        return filled === range.length ? out : out.subarray(0, filled);
      });
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR', 'EISDIR')) throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    this.checkOpen();
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return;
      throw err;
    } finally {
      await this.readHandles.forget(path);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    this.checkOpen();
    if (prefix.startsWith('/') || prefix.includes('..')) throw new InvalidObjectKeyError(prefix, 'invalid prefix');
    // Start the walk at the deepest directory the prefix names completely.
    const slash = prefix.lastIndexOf('/');
    const dirPart = slash >= 0 ? prefix.slice(0, slash) : '';
    const startDir = dirPart === '' ? this.root : join(this.root, ...dirPart.split('/'));
    const out: ObjectInfo[] = [];
    await this.walk(startDir, dirPart === '' ? '' : `${dirPart}/`, prefix, out);
    out.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    return out;
  }

  private async walk(dir: string, keyPrefix: string, filter: string, out: ObjectInfo[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return;
      throw err;
    }
    for (const e of entries) {
      const key = keyPrefix + e.name;
      if (e.isDirectory()) {
        // Descend only when the directory can contain keys matching the filter.
        const asPrefix = `${key}/`;
        if (asPrefix.startsWith(filter) || filter.startsWith(asPrefix)) await this.walk(join(dir, e.name), asPrefix, filter, out);
      } else if (e.isFile()) {
        if (e.name.endsWith(TEMP_SUFFIX) || !key.startsWith(filter)) continue;
        try {
          const st = await stat(join(dir, e.name));
          out.push({ key, size: st.size });
        } catch (err) {
          if (!isErrno(err, 'ENOENT')) throw err; // deleted meanwhile
        }
      }
    }
  }

  /** Removes temp files left by a crash mid-put. Returns how many were removed. */
  async sweepTemp(): Promise<number> {
    let removed = 0;
    const visit = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isErrno(err, 'ENOENT')) return;
        throw err;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await visit(p);
        else if (e.name.endsWith(TEMP_SUFFIX)) {
          await rm(p, { force: true });
          removed++;
        }
      }
    };
    await visit(this.root);
    return removed;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.readHandles.closeAll(), this.dirSyncs.close()]);
  }
}

export function checkRange(range: ByteRange, into?: Buffer): void {
  if (!Number.isSafeInteger(range.start) || range.start < 0) throw new RangeError(`invalid range start ${range.start}`);
  if (!Number.isSafeInteger(range.length) || range.length < 0) throw new RangeError(`invalid range length ${range.length}`);
  if (into && into.length < range.length) throw new RangeError(`a buffer of ${into.length} bytes cannot take ${range.length}`);
}

/** Opens (and creates) a directory store. */
export async function openDirectoryObjectStore(root: string): Promise<DirectoryObjectStore> {
  const store = new DirectoryObjectStore({ root });
  await store.init();
  return store;
}
