import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectorySyncs, openDirectory, type OpenDirectory } from '../../src/objects/directory-syncs.js';

/** Directories whose syncs end when the test says so; records opens, syncs and closes. */
class ControlledSyncs {
  readonly started: { dir: string; finish: () => void; fail: (e: Error) => void }[] = [];
  readonly opened: string[] = [];
  readonly closed: string[] = [];
  readonly openDir = (dir: string): Promise<OpenDirectory> => {
    this.opened.push(dir);
    return Promise.resolve({
      sync: () => new Promise<void>((resolve, reject) => this.started.push({ dir, finish: resolve, fail: reject })),
      close: async () => {
        this.closed.push(dir);
      },
    });
  };
}

/** Lets the syncs that are due start (an open resolves before its sync starts). */
async function turn(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Whether the promise has settled, after letting pending reactions run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await turn();
  return done;
}

describe('DirectorySyncs', () => {
  it('starts a sync at once when none runs', async () => {
    const c = new ControlledSyncs();
    const syncs = new DirectorySyncs(c.openDir);
    const a = syncs.sync('/d');
    await turn();
    assert.equal(c.started.length, 1);
    assert.equal(await settled(a), false);
    c.started[0].finish();
    await a;
  });

  it('never lets a request share a sync that started before it: it waits for the next one', async () => {
    const c = new ControlledSyncs();
    const syncs = new DirectorySyncs(c.openDir);
    const first = syncs.sync('/d');
    await turn();
    const second = syncs.sync('/d');
    await turn();
    assert.equal(c.started.length, 1, 'the second sync waits for the running one to end');
    c.started[0].finish();
    await first;
    assert.equal(await settled(second), false, 'the first sync ending does not settle the second request');
    await turn();
    assert.equal(c.started.length, 2);
    c.started[1].finish();
    await second;
  });

  it('lets every request made while a sync runs share the one queued after it', async () => {
    const c = new ControlledSyncs();
    const syncs = new DirectorySyncs(c.openDir);
    const first = syncs.sync('/d');
    await turn();
    const waiting = [syncs.sync('/d'), syncs.sync('/d'), syncs.sync('/d')];
    c.started[0].finish();
    await first;
    await turn();
    assert.equal(c.started.length, 2, 'three waiting requests, one more sync');
    c.started[1].finish();
    await Promise.all(waiting);
    // Once everything settled, the next request starts a sync of its own straight away.
    const later = syncs.sync('/d');
    await turn();
    assert.equal(c.started.length, 3);
    c.started[2].finish();
    await later;
    assert.deepEqual(c.opened, ['/d'], 'the directory stays open between syncs');
    assert.deepEqual(c.closed, []);
    await syncs.close();
    assert.deepEqual(c.closed, ['/d']);
  });

  it('keeps directories apart', async () => {
    const c = new ControlledSyncs();
    const syncs = new DirectorySyncs(c.openDir);
    const a = syncs.sync('/a');
    const b = syncs.sync('/b');
    await turn();
    assert.deepEqual(
      c.started.map((s) => s.dir),
      ['/a', '/b'],
    );
    c.started[1].finish();
    await b;
    assert.equal(await settled(a), false);
    c.started[0].finish();
    await a;
  });

  it('keeps only the most recently synced idle directories open', async () => {
    const c = new ControlledSyncs();
    const syncs = new DirectorySyncs(c.openDir, 2);
    const syncNow = async (dir: string): Promise<void> => {
      const p = syncs.sync(dir);
      await turn();
      c.started[c.started.length - 1].finish();
      await p;
      await turn();
    };
    await syncNow('/a');
    await syncNow('/b');
    await syncNow('/a'); // now /b is the least recently synced
    await syncNow('/c');
    assert.deepEqual(c.closed, ['/b']);
    await syncNow('/b');
    assert.deepEqual(c.opened, ['/a', '/b', '/c', '/b']);
    assert.deepEqual(c.closed, ['/b', '/a']);
    // A directory whose sync is under way is not closed, however many others come and go.
    const slow = syncs.sync('/slow');
    await turn();
    const slowSync = c.started[c.started.length - 1];
    await syncNow('/d');
    await syncNow('/e');
    await syncNow('/f');
    assert.equal(c.closed.includes('/slow'), false);
    slowSync.finish();
    await slow;
    await syncs.close();
    assert.deepEqual([...c.opened].sort(), [...c.closed].sort(), 'close() closes every directory left open');
  });

  it('rejects the requests a failed sync served, reopens the directory, and the queued sync still runs', async () => {
    const c = new ControlledSyncs();
    const syncs = new DirectorySyncs(c.openDir);
    const first = syncs.sync('/d');
    await turn();
    const second = syncs.sync('/d');
    c.started[0].fail(new Error('EIO'));
    await assert.rejects(first, /EIO/);
    await turn();
    assert.deepEqual(c.closed, ['/d'], 'a directory whose sync failed is closed');
    assert.equal(c.started.length, 2, 'the queued sync starts after the failed one');
    assert.deepEqual(c.opened, ['/d', '/d'], 'on a fresh handle');
    c.started[1].finish();
    await second;
    const third = syncs.sync('/d');
    await turn();
    c.started[2].fail(new Error('EIO again'));
    await assert.rejects(third, /EIO again/);
    const fourth = syncs.sync('/d');
    await turn();
    assert.equal(c.started.length, 4, 'a failure leaves nothing behind that blocks the next sync');
    c.started[3].finish();
    await fourth;
    await syncs.close();
  });

  it('syncs real directories, and fails for a missing one until it exists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sh-dirsyncs-'));
    const syncs = new DirectorySyncs(openDirectory);
    try {
      await Promise.all([syncs.sync(dir), syncs.sync(dir), syncs.sync(dir)]);
      const missing = join(dir, 'missing');
      await assert.rejects(syncs.sync(missing), { code: 'ENOENT' });
      await mkdir(missing);
      await syncs.sync(missing);
    } finally {
      await syncs.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
