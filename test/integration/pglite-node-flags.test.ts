/**
 * PGlite's WebAssembly must stay out of V8's optimizing tier: on Node 24 only node's command line
 * can keep it out, so `npm start` and every process the project starts pass PGLITE_NODE_FLAGS, and
 * an embedded broker started without them says so. Without the flags, a Node 24 broker's RSS
 * reached ~720 MB while its first producer ran (~230 MB with them).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WireClient } from '../../src/client/wire-client.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { buildBatch } from '../../protocol/records/index.js';
import { PGLITE_NODE_FLAGS, pgliteNodeFlagsMissing } from '../../src/metadata/pglite-settings.js';
import { BROKER_NODE_FLAGS } from '../../src/node-flags.js';
import { spawnBroker, type BrokerProcess } from '../support/broker-process.js';

const WARNING = "PGlite's WebAssembly will be compiled by the optimizing tier";

/** Peak RSS of a process in MB (Linux). */
async function peakRssMB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** What made Node 24 tier PGlite up: a producer's first few hundred acknowledged batches. */
async function produceSome(broker: BrokerProcess): Promise<void> {
  const c = await WireClient.connect('127.0.0.1', broker.port);
  try {
    await c.send(ApiKey.Metadata, 4, { topics: [{ name: 'flags' }], allowAutoTopicCreation: true });
    for (let i = 0; i < 400; i++) {
      const res = await c.send(ApiKey.Produce, 9, {
        acks: -1,
        timeoutMs: 10_000,
        topicData: [{ name: 'flags', partitionData: [{ index: 0, records: buildBatch({ records: [{ key: null, value: Buffer.from(`v${i}`) }] }) }] }],
      });
      assert.equal(res.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
    }
  } finally {
    await c.close();
  }
}

describe('node flags for PGlite', () => {
  it('are missing only on Node 24 and later started without them', () => {
    for (const v of ['v20.20.2', 'v22.23.3']) assert.equal(pgliteNodeFlagsMissing(v, []), false, v);
    for (const v of ['v24.21.0', 'v25.1.0']) {
      assert.equal(pgliteNodeFlagsMissing(v, []), true, v);
      assert.equal(pgliteNodeFlagsMissing(v, ['--inspect', ...PGLITE_NODE_FLAGS]), false, v);
    }
  });

  it('are among those npm start gives node, which the bench and the tests give too', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
    const words = pkg.scripts.start.split(/\s+/);
    assert.deepEqual(words, ['node', ...BROKER_NODE_FLAGS, 'dist/src/cli.js']);
    for (const f of PGLITE_NODE_FLAGS) assert.ok(BROKER_NODE_FLAGS.includes(f), f);
  });

  it('keep an embedded broker out of the optimizing tier, and it warns when started without them', { skip: process.platform !== 'linux' && 'reads /proc', timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sh-flags-'));
    try {
      const withFlags = await spawnBroker(['--data-dir', join(dataDir, 'a')]);
      try {
        await produceSome(withFlags);
        const peak = await peakRssMB(withFlags.child.pid!);
        // 230–290 MB here (under tsx) on Node 20, 22 and 24 with the flags; 774 on Node 24 without.
        assert.ok(peak < 480, `peak RSS ${peak.toFixed(0)} MB with ${PGLITE_NODE_FLAGS.join(' ')}`);
        assert.ok(!withFlags.problems().some((l) => l.includes(WARNING)), 'no warning with the flags');
      } finally {
        await withFlags.terminate();
      }
      const without = await spawnBroker(['--data-dir', join(dataDir, 'b')], {}, []);
      try {
        const warned = without.problems().some((l) => l.includes(WARNING));
        assert.equal(warned, pgliteNodeFlagsMissing(process.version, []), `warning on ${process.version}: ${warned}`);
      } finally {
        await without.terminate();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
