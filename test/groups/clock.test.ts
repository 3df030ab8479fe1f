import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, SystemClock } from '../../src/groups/clock.js';

describe('ManualClock', () => {
  it('fires due timers in due-time order with now() at each due time, including timers scheduled on the way', () => {
    const c = new ManualClock(100);
    const seen: [string, number][] = [];
    c.setTimeout(() => seen.push(['b', c.now()]), 20);
    c.setTimeout(() => {
      seen.push(['a', c.now()]);
      c.setTimeout(() => seen.push(['a2', c.now()]), 5);
    }, 10);
    const dropped = c.setTimeout(() => seen.push(['x', c.now()]), 15);
    c.clearTimeout(dropped);
    c.setTimeout(() => seen.push(['late', c.now()]), 50);
    c.advance(30);
    assert.deepEqual(seen, [['a', 110], ['a2', 115], ['b', 120]]);
    assert.equal(c.now(), 130);
    assert.equal(c.pendingTimers(), 1);
  });

  it('same due time: first scheduled fires first; runDue fires 0 ms timers without moving time', () => {
    const c = new ManualClock();
    const seen: number[] = [];
    c.setTimeout(() => seen.push(1), 0);
    c.setTimeout(() => seen.push(2), 0);
    c.runDue();
    assert.deepEqual(seen, [1, 2]);
    assert.equal(c.now(), 0);
    assert.throws(() => c.advance(-1), RangeError);
  });
});

describe('SystemClock', () => {
  it('runs and clears real timers', async () => {
    const c = new SystemClock();
    let fired = false;
    const h = c.setTimeout(() => (fired = true), 1);
    c.clearTimeout(h);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(fired, false);
    // Timers are unref'd: keep the loop alive with a ref'd one while waiting.
    let second = false;
    c.setTimeout(() => (second = true), 1);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(second, true);
    assert.ok(Math.abs(c.now() - Date.now()) < 1000);
  });
});
