import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseBenchArgs } from '../../bench/args.js';

describe('bench arguments', () => {
  it('sets the length of the fixed-load run, for a sustained load past the merger\'s 30 s', () => {
    assert.equal(parseBenchArgs([])?.latencyRunMs, 12_000);
    assert.equal(parseBenchArgs(['--quick'])?.latencyRunMs, 3_000);
    assert.equal(parseBenchArgs(['--latency-seconds', '180'])?.latencyRunMs, 180_000);
    assert.equal(parseBenchArgs(['--quick', '--latency-seconds', '45'])?.latencyRunMs, 45_000);
    assert.throws(() => parseBenchArgs(['--latency-seconds', 'soon']), /bad number/);
  });

  it('keeps the max-throughput run length apart from it', () => {
    const o = parseBenchArgs(['--run-seconds', '9', '--latency-seconds', '60']);
    assert.equal(o?.maxRunMs, 9_000);
    assert.equal(o?.latencyRunMs, 60_000);
  });
});
