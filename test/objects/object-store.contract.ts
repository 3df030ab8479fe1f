/**
 * The ObjectStore contract, written once and run on every implementation
 * (test/objects/object-stores.test.ts). `factory` returns a fresh, empty store.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ObjectStore } from '../../src/objects/object-store.js';
import { ObjectNotFoundError } from '../../src/objects/object-store.js';

export interface ObjectStoreFixture {
  store: ObjectStore;
  /** Tears down whatever the factory started (servers, temp dirs); the store is closed already. */
  cleanup(): Promise<void>;
}

export type ObjectStoreFactory = () => Promise<ObjectStoreFixture>;

function assertSameBytes(actual: Buffer, expected: Buffer, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  assert.ok(actual.equals(expected), `${what}: bytes differ`);
}

export function objectStoreContract(name: string, factory: ObjectStoreFactory): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let fx: ObjectStoreFixture;
    let store: ObjectStore;
    let n = 0;
    /** A fresh key namespace per test so tests share one store. */
    const ns = (): string => `t${String(++n).padStart(3, '0')}`;

    before(async () => {
      fx = await factory();
      store = fx.store;
    });
    after(async () => {
      await store.close();
      await fx.cleanup();
    });

    it('has a description', () => {
      assert.equal(typeof store.description, 'string');
      assert.ok(store.description.length > 0);
    });

    for (const size of [0, 1, 1024 * 1024 + 3]) {
      it(`round-trips ${size} bytes byte-identically`, async () => {
        const key = `${ns()}/objects/size-${size}.obj`;
        const body = randomBytes(size);
        await store.put(key, body);
        assertSameBytes(await store.get(key), body, 'get');
        const listed = await store.list(key);
        assert.deepEqual(listed, [{ key, size }]);
      });
    }

    it('stores a multi-chunk body back to back (incl. empty chunks and subarray views)', async () => {
      const key = `${ns()}/multi.obj`;
      const big = randomBytes(3 * 1024 * 1024 + 17);
      const chunks = [
        big.subarray(0, 5),
        Buffer.alloc(0),
        big.subarray(5, 700_001),
        big.subarray(700_001, 700_002),
        big.subarray(700_002),
      ];
      await store.put(key, chunks);
      assertSameBytes(await store.get(key), big, 'get');
      // many small chunks
      const many: Buffer[] = [];
      for (let i = 0; i < 2000; i++) many.push(randomBytes(i % 7));
      const key2 = `${ns()}/many.obj`;
      await store.put(key2, many);
      assertSameBytes(await store.get(key2), Buffer.concat(many), 'get many');
    });

    it('reads ranges at the edges', async () => {
      const key = `${ns()}/range.obj`;
      const body = randomBytes(1024 * 1024 + 3);
      await store.put(key, body);
      const size = body.length;
      const cases: [number, number][] = [
        [0, 1],
        [0, size],
        [size - 1, 1],
        [1, size - 2],
        [65_535, 2],
        [1024 * 1024, 3],
        [12_345, 100_000],
      ];
      for (const [start, length] of cases) {
        assertSameBytes(await store.getRange(key, { start, length }), body.subarray(start, start + length), `range ${start}+${length}`);
      }
      assert.equal((await store.getRange(key, { start: 10, length: 0 })).length, 0, 'empty range');
      // past the end: what exists is returned
      assertSameBytes(await store.getRange(key, { start: size - 2, length: 10 }), body.subarray(size - 2), 'range past end');
      assert.equal((await store.getRange(key, { start: size, length: 5 })).length, 0, 'range starting at end');
    });

    it('reads a range into a buffer the caller passes, and returns a view of it', async () => {
      const key = `${ns()}/into.bin`;
      const body = randomBytes(300_000);
      await store.put(key, body);
      const into = Buffer.alloc(200_000, 0xee);
      const got = await store.getRange(key, { start: 1000, length: 150_000 }, into.subarray(7));
      assertSameBytes(got, body.subarray(1000, 151_000), 'range into');
      assert.equal(got.buffer, into.buffer, 'the result is the caller\'s memory');
      assert.equal(got.byteOffset, into.byteOffset + 7);
      assert.equal(into[6], 0xee, 'nothing written before the view');
      assert.equal(into[7 + 150_000], 0xee, 'nothing written past the range');
      // Past the end: the view is as long as what exists.
      const tail = await store.getRange(key, { start: 299_990, length: 50 }, into);
      assertSameBytes(tail, body.subarray(299_990), 'tail into');
      assert.equal(tail.buffer, into.buffer);
      await assert.rejects(store.getRange(key, { start: 0, length: 10 }, Buffer.alloc(9)), RangeError);
      await assert.rejects(store.getRange(`${ns()}/missing.bin`, { start: 0, length: 10 }, into), ObjectNotFoundError);
    });

    it('lists by prefix in key order', async () => {
      const p = ns();
      const keys = [`${p}/b/2`, `${p}/a/1`, `${p}/a/10`, `${p}/a/2`, `${p}/ab`, `${p}/a/sub/x`, `${p}/c`, `${p}/A`];
      const shuffled = [...keys].sort(() => Math.random() - 0.5);
      for (const k of shuffled) await store.put(k, Buffer.from(k));
      const sorted = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      assert.deepEqual(
        (await store.list(`${p}/`)).map((o) => o.key),
        sorted,
      );
      assert.deepEqual(
        (await store.list(`${p}/a/`)).map((o) => o.key),
        [`${p}/a/1`, `${p}/a/10`, `${p}/a/2`, `${p}/a/sub/x`],
      );
      assert.deepEqual(
        (await store.list(`${p}/a`)).map((o) => o.key),
        [`${p}/a/1`, `${p}/a/10`, `${p}/a/2`, `${p}/a/sub/x`, `${p}/ab`],
      );
      assert.deepEqual(
        (await store.list(`${p}/a/1`)).map((o) => o.key),
        [`${p}/a/1`, `${p}/a/10`],
      );
      assert.deepEqual(await store.list(`${p}/zzz`), []);
      assert.deepEqual(await store.list(`${p}-nope/`), []);
      const all = await store.list('');
      assert.ok(all.length >= keys.length);
      const allKeys = all.map((o) => o.key);
      assert.deepEqual(allKeys, [...allKeys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      for (const o of await store.list(`${p}/`)) assert.equal(o.size, Buffer.byteLength(o.key));
    });

    it('overwrites an existing key', async () => {
      const key = `${ns()}/over.obj`;
      const first = randomBytes(5000);
      await store.put(key, first);
      assertSameBytes(await store.getRange(key, { start: 0, length: 20 }), first.subarray(0, 20), 'range before overwrite');
      const second = randomBytes(10);
      await store.put(key, second);
      assertSameBytes(await store.get(key), second, 'after overwrite');
      assertSameBytes(await store.getRange(key, { start: 0, length: 20 }), second, 'range after overwrite');
      assert.deepEqual(await store.list(key), [{ key, size: 10 }]);
    });

    it('deletes, and deleting a missing key is fine', async () => {
      const p = ns();
      const key = `${p}/del.obj`;
      await store.put(key, Buffer.from('x'));
      await store.put(`${p}/keep.obj`, Buffer.from('y'));
      assert.equal((await store.getRange(key, { start: 0, length: 1 })).toString(), 'x');
      await store.delete(key);
      await assert.rejects(store.get(key), ObjectNotFoundError);
      await assert.rejects(store.getRange(key, { start: 0, length: 1 }), ObjectNotFoundError, 'range after delete');
      await store.delete(key);
      await store.delete(`${p}/never/existed`);
      assert.deepEqual((await store.list(`${p}/`)).map((o) => o.key), [`${p}/keep.obj`]);
    });

    it('rejects a missing key with ObjectNotFoundError', async () => {
      const key = `${ns()}/missing.obj`;
      const err = await store.get(key).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(err instanceof ObjectNotFoundError, `got ${String(err)}`);
      assert.equal(err.key, key);
      assert.equal(err.code, 'OBJECT_NOT_FOUND');
      await assert.rejects(store.getRange(key, { start: 0, length: 10 }), ObjectNotFoundError);
      await assert.rejects(store.getRange(key, { start: 0, length: 0 }), ObjectNotFoundError);
    });

    it('rejects invalid keys', async () => {
      await assert.rejects(store.put('/abs', Buffer.from('x')));
      await assert.rejects(store.put('a/../b', Buffer.from('x')));
      await assert.rejects(store.put('..', Buffer.from('x')));
      await assert.rejects(store.get('../etc/passwd'));
    });

    it('handles concurrent puts and gets', async () => {
      const p = ns();
      const bodies = Array.from({ length: 16 }, (_, i) => randomBytes(1000 + i * 997));
      await Promise.all(bodies.map((b, i) => store.put(`${p}/c${String(i).padStart(2, '0')}`, b)));
      const got = await Promise.all(bodies.map((_, i) => store.get(`${p}/c${String(i).padStart(2, '0')}`)));
      got.forEach((g, i) => assertSameBytes(g, bodies[i], `object ${i}`));
      assert.equal((await store.list(`${p}/`)).length, 16);
    });
  });
}
