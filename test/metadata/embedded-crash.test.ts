/**
 * The embedded PGlite keeps every commit that resolved when the process is killed with SIGKILL,
 * and a data directory left by a killed process (stale lock file, stale socket) opens again.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { openMetadataStore } from '../../src/metadata/open-metadata-store.js';
import { DataDirLockedError } from '../../src/metadata/embedded-postgres.js';

const logger = pino({ level: 'silent' });
const child = fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url));

/** Runs the child until it reported `commits` more commits, SIGKILLs it, returns the last reported hwm. */
async function runAndKill(dataDir: string, commits: number): Promise<bigint> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let last = -1n;
  let seen = 0;
  let buf = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^hwm (\d+)$/.exec(line);
        if (m) {
          last = BigInt(m[1]);
          if (++seen === commits) {
            proc.kill('SIGKILL'); // right after a commit resolved, while the next one is in flight
            resolve();
          }
        }
      }
    });
    proc.on('exit', (code, signal) => {
      if (seen < commits) reject(new Error(`child exited early (${code ?? signal}): ${stderr}`));
    });
  });
  assert.equal(await exited, 'SIGKILL');
  return last;
}

describe('embedded PGlite crash safety', () => {
  it('keeps resolved commits across kill -9, twice, and reopens after it', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sh-crash-'));
    try {
      const first = await runAndKill(dataDir, 15);
      const second = await runAndKill(dataDir, 10); // reopens a directory left by a killed process
      assert.ok(second >= first + 100n);
      const store = await openMetadataStore({ dataDir, logger });
      try {
        const topic = await store.getTopic('crash');
        assert.ok(topic);
        const hwm = (await store.listPartitions(topic.id))[0].highWatermark;
        // every commit that resolved is there; at most the one in flight at the kill may be too
        assert.ok(hwm === second || hwm === second + 10n, `hwm ${hwm} after last resolved ${second}`);
        const segs = await store.listSegments(topic.id, 0);
        assert.equal(BigInt(segs.length) * 10n, hwm);
        const offset = (await store.fetchOffsets('g'))[0].offset;
        assert.ok(offset === second || offset === second + 10n);
      } finally {
        await store.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a data directory that is open already', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sh-lock-'));
    const store = await openMetadataStore({ dataDir, logger });
    try {
      await assert.rejects(openMetadataStore({ dataDir, logger }), DataDirLockedError);
    } finally {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
