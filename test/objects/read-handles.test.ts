import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { ReadHandles } from '../../src/objects/read-handles.js';

async function readAll(fh: FileHandle): Promise<string> {
  const out = Buffer.alloc(64);
  const { bytesRead } = await fh.read(out, 0, out.length, 0);
  return out.subarray(0, bytesRead).toString();
}

describe('ReadHandles', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sh-handles-'));
    for (const name of ['a', 'b', 'c']) await writeFile(file(name), `content of ${name}`);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a file open from one read to the next', async () => {
    const handles = new ReadHandles(4);
    const seen = new Set<FileHandle>();
    for (let i = 0; i < 5; i++) {
      assert.equal(await handles.use(file('a'), async (fh) => (seen.add(fh), readAll(fh))), 'content of a');
    }
    assert.equal(seen.size, 1, 'one open for five reads');
    await handles.closeAll();
    assert.equal([...seen][0].fd, -1, 'closed by closeAll');
  });

  it('closes the least recently used handle beyond its limit, but not while a read uses it', async () => {
    const handles = new ReadHandles(2);
    const opened = new Map<string, FileHandle>();
    const use = (name: string) => handles.use(file(name), async (fh) => (opened.set(name, fh), readAll(fh)));
    let release!: () => void;
    const held = handles.use(file('a'), async (fh) => {
      opened.set('a', fh);
      await new Promise<void>((r) => (release = r));
      return readAll(fh);
    });
    await new Promise((r) => setImmediate(r));
    await use('b');
    await use('c'); // a is the least recently used, but busy: b goes
    assert.equal(opened.get('b')!.fd, -1);
    assert.notEqual(opened.get('a')!.fd, -1, 'a read is still using it');
    release();
    assert.equal(await held, 'content of a');
    await use('b'); // opened again; now a (idle, least recently used) is closed
    assert.equal(opened.get('a')!.fd, -1);
    assert.equal(handles.size, 2);
    await handles.closeAll();
  });

  it('after forget, reads open the file that now has the name', async () => {
    const handles = new ReadHandles(4);
    assert.equal(await handles.use(file('b'), readAll), 'content of b');
    await writeFile(file('b.new'), 'replaced');
    await rename(file('b.new'), file('b'));
    assert.equal(await handles.use(file('b'), readAll), 'content of b', 'the kept handle still reads the old file');
    await handles.forget(file('b'));
    assert.equal(await handles.use(file('b'), readAll), 'replaced');
    await handles.closeAll();
  });

  it('does not keep a failed open', async () => {
    const handles = new ReadHandles(4);
    await assert.rejects(handles.use(file('missing'), readAll), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
    assert.equal(handles.size, 0);
    await writeFile(file('missing'), 'there now');
    assert.equal(await handles.use(file('missing'), readAll), 'there now');
    await handles.closeAll();
  });
});
