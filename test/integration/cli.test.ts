/**
 * The `streamhouse` command: --help lists every option, bad options exit 2, flags reach the
 * broker (port, data directory), and SIGTERM shuts it down cleanly with exit code 0.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPTIONS } from '../../src/config.js';
import { WireClient } from '../../src/client/wire-client.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { spawnBroker } from '../support/broker-process.js';
import { freePort } from '../support/free-port.js';
import { run } from '../support/processes.js';

const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { timeoutMs: 30_000 });

describe('streamhouse CLI', () => {
  it('--help lists every option with its environment variable', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    for (const o of OPTIONS) {
      assert.ok(r.stdout.includes(o.flag), `--help mentions ${o.flag}`);
      assert.ok(r.stdout.includes(o.env), `--help mentions ${o.env}`);
    }
  });

  it('rejects unknown options and bad values with exit code 2', async () => {
    assert.equal((await cli(['--no-such-thing'])).code, 2);
    assert.equal((await cli(['--port', 'abc'])).code, 2);
  });

  it('serves on the given port and data directory, and exits 0 on SIGTERM', { timeout: 60_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sh-cli-'));
    const port = await freePort();
    try {
      const broker = await spawnBroker(['--port', String(port), '--data-dir', dataDir, '--advertised-host', 'localhost']);
      assert.equal(broker.port, port);
      const c = await WireClient.connect('127.0.0.1', port);
      const md = await c.send(ApiKey.Metadata, 12, { topics: null });
      assert.deepEqual(md.brokers.map((b) => [b.host, b.port]), [['localhost', port]]);
      await c.close();
      assert.equal(await broker.terminate(), 0);
      const contents = await readdir(dataDir);
      assert.ok(contents.includes('pg') && contents.includes('agent-id'), `data dir holds ${contents.join(', ')}`);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
