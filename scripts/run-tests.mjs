#!/usr/bin/env node
// Runs every *.test.ts under test/ with node's own test runner (through tsx), so that the
// closing summary is node:test's. Optional arguments filter test files by substring.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}
const filters = process.argv.slice(2);
const files = walk(join(root, 'test'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '1';
// A hung test fails after --test-timeout instead of stalling the run. Not --test-force-exit: on
// Node 22 it ended test files while their tests were still running, and reported them as passed.
// --liftoff-only: PGLITE_NODE_FLAGS (src/metadata/pglite-settings.ts) for the embedded brokers the
// tests start in their own processes; node --test passes it on to each test file's process.
const r = spawnSync(
  process.execPath,
  ['--liftoff-only', '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=180000', ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(r.status ?? 1);
