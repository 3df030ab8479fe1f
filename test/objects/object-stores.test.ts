import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir, stat, writeFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { objectStoreContract } from './object-store.contract.js';
import { DirectoryObjectStore, openDirectoryObjectStore } from '../../src/objects/directory-object-store.js';
import { S3ObjectStore, openS3ObjectStore } from '../../src/objects/s3-object-store.js';
import { ObjectNotFoundError } from '../../src/objects/object-store.js';
import { startS3rver } from '../support/s3rver.js';

objectStoreContract('directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sh-dirstore-'));
  const store = await openDirectoryObjectStore(join(dir, 'objects'));
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

objectStoreContract('s3 (s3rver)', async () => {
  const s3 = await startS3rver();
  const store = new S3ObjectStore({
    endpoint: s3.endpoint,
    bucket: s3.bucket,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3.credentials,
  });
  return { store, cleanup: () => s3.close() };
});

objectStoreContract('s3 (s3rver, key prefix, bucket created by ensureBucket)', async () => {
  const s3 = await startS3rver();
  const store = await S3ObjectStore.open({
    endpoint: s3.endpoint,
    bucket: 'created-by-ensure',
    forcePathStyle: true,
    credentials: s3.credentials,
    prefix: 'cluster-1/',
    createBucket: true,
  });
  await store.ensureBucket(); // idempotent
  return { store, cleanup: () => s3.close() };
});

describe('S3ObjectStore specifics', () => {
  it('openS3ObjectStore with createBucket: false rejects a missing bucket', async () => {
    const s3 = await startS3rver();
    try {
      await assert.rejects(
        openS3ObjectStore({ endpoint: s3.endpoint, bucket: 'no-such-bucket', forcePathStyle: true, credentials: s3.credentials, createBucket: false }),
      );
      const ok = await openS3ObjectStore({ endpoint: s3.endpoint, bucket: s3.bucket, forcePathStyle: true, credentials: s3.credentials, createBucket: false });
      await ok.close();
    } finally {
      await s3.close();
    }
  });

  it('reads credentials from the environment and describes itself', async () => {
    const s3 = await startS3rver();
    try {
      const store = new S3ObjectStore(
        { endpoint: s3.endpoint, bucket: s3.bucket, forcePathStyle: true },
        { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
      );
      assert.match(store.description, /^s3:\/\/streamhouse-test\/@http:\/\/127\.0\.0\.1:\d+$/);
      await store.put('k', Buffer.from('v'));
      assert.equal((await store.get('k')).toString(), 'v');
      await store.close();
      await store.close();
    } finally {
      await s3.close();
    }
  });
});

describe('DirectoryObjectStore specifics', () => {
  let dir: string;
  let store: DirectoryObjectStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sh-dirstore-'));
    store = await openDirectoryObjectStore(join(dir, 'root'));
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('maps keys to nested paths', async () => {
    await store.put('orders/3/seg_1.bin', Buffer.from('abc'));
    const st = await stat(join(dir, 'root', 'orders', '3', 'seg_1.bin'));
    assert.equal(st.size, 3);
    assert.equal(store.description, `dir:${join(dir, 'root')}`);
  });

  it('makes the directory again when it was removed after an earlier put into it', async () => {
    await store.put('gone/1/a.obj', Buffer.from('a'));
    await rm(join(dir, 'root', 'gone'), { recursive: true });
    await store.put('gone/1/b.obj', Buffer.from('b'));
    assert.equal((await store.get('gone/1/b.obj')).toString(), 'b');
    assert.deepEqual(await readdir(join(dir, 'root', 'gone', '1')), ['b.obj']);
  });

  it('writes a large put in synced slices, splitting buffers at slice edges, and reads it back whole', async () => {
    const sliced = new DirectoryObjectStore({ root: join(dir, 'sliced'), syncSliceBytes: 64 * 1024 });
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const datasync = proto.datasync;
    let syncs = 0;
    proto.datasync = function (this: unknown) {
      syncs++;
      return datasync.call(this);
    };
    try {
      const big = randomBytes(1024 * 1024 + 17);
      // Buffers that straddle slice edges, an empty one, and more than MAX_IOV (512) small ones.
      const parts = [big.subarray(0, 100_000), Buffer.alloc(0), big.subarray(100_000, 1_000_000), big.subarray(1_000_000)];
      for (let i = 0; i < 1500; i++) parts.push(Buffer.from([i & 0xff]));
      await sliced.put('sliced/big.obj', parts);
      assert.deepEqual(await sliced.get('sliced/big.obj'), Buffer.concat(parts));
      const slices = Math.ceil((big.length + 1500) / (64 * 1024));
      assert.equal(syncs, slices - 1, 'one fdatasync between each two slices');
      syncs = 0;
      await sliced.put('sliced/small.obj', [Buffer.from('small')]);
      assert.equal(syncs, 0, 'a put smaller than a slice is written at once');
    } finally {
      proto.datasync = datasync;
      await sliced.close();
    }
  });

  it('put is atomic: readers never see a partial file under the final name', async () => {
    const key = 'atomic/big.obj';
    const finalPath = join(dir, 'root', 'atomic', 'big.obj');
    const old = randomBytes(1000);
    await store.put(key, old);
    const chunk = randomBytes(1024 * 1024);
    const body = Array.from({ length: 48 }, () => chunk); // 48 MiB: slow enough to observe
    const fullSize = 48 * chunk.length;
    let done = false;
    let observations = 0;
    let sawTemp = false;
    const watcher = (async () => {
      while (!done) {
        try {
          const st = await stat(finalPath);
          assert.ok(st.size === old.length || st.size === fullSize, `partial file visible: ${st.size}`);
          observations++;
        } catch (err) {
          assert.fail(`final name vanished during overwrite: ${String(err)}`);
        }
        const names = await readdir(join(dir, 'root', 'atomic'));
        if (names.some((n) => n !== 'big.obj')) {
          sawTemp = true;
          // the temp file never shows up as an object
          assert.deepEqual((await store.list('atomic/')).map((o) => o.key), ['atomic/big.obj']);
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    await store.put(key, body);
    done = true;
    await watcher;
    assert.ok(observations > 0);
    assert.equal((await stat(finalPath)).size, fullSize);
    assert.deepEqual(await readdir(join(dir, 'root', 'atomic')), ['big.obj']);
    // Informational: whether the watcher caught the temp file depends on timing.
    if (!sawTemp) console.log('# atomic-put watcher did not catch the temp file this time');
  });

  it('a failed put leaves neither a partial object nor a temp file', async () => {
    const bogus = { length: 5 } as unknown as Buffer;
    await assert.rejects(store.put('fail/x.obj', [Buffer.from('abc'), bogus]));
    await assert.rejects(store.get('fail/x.obj'), ObjectNotFoundError);
    assert.deepEqual(await readdir(join(dir, 'root', 'fail')), []);
  });

  it('ignores and sweeps temp files left by a crash', async () => {
    await store.put('crash/a.obj', Buffer.from('a'));
    await writeFile(join(dir, 'root', 'crash', 'b.obj.123-abc.sh-tmp'), 'partial');
    assert.deepEqual((await store.list('crash/')).map((o) => o.key), ['crash/a.obj']);
    await assert.rejects(store.put('crash/b.obj.1.sh-tmp', Buffer.from('x')));
    assert.equal(await store.sweepTemp(), 1);
    assert.deepEqual(await readdir(join(dir, 'root', 'crash')), ['a.obj']);
  });

  it('reads ranges without reading the whole file (sparse 4 GiB file)', async () => {
    // A sparse file far larger than any buffer we would allocate: only a ranged read can work.
    const path = join(dir, 'root', 'sparse.obj');
    const fh = await open(path, 'w');
    const tail = Buffer.from('tail-bytes');
    const size = 4 * 1024 * 1024 * 1024 + 10;
    await fh.write(tail, 0, tail.length, size - tail.length);
    await fh.close();
    const got = await store.getRange('sparse.obj', { start: size - tail.length, length: tail.length });
    assert.equal(got.toString(), 'tail-bytes');
    assert.deepEqual(await store.getRange('sparse.obj', { start: 1000, length: 4 }), Buffer.alloc(4));
    assert.deepEqual(await store.list('sparse'), [{ key: 'sparse.obj', size }]);
  });

  it('rejects use after close', async () => {
    const s = await openDirectoryObjectStore(join(dir, 'closed'));
    await s.close();
    await assert.rejects(s.get('x'));
  });
});
