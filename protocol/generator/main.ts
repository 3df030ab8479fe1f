// `npm run generate`: regenerate protocol/generated from the Kafka schemas.
// `npm run check:generated` (--check): regenerate in memory and fail if the committed files differ.
//
// The schemas are read from ../shared/kafka-protocol relative to the repository root, or from
// $KAFKA_PROTOCOL_DIR. The generated files are committed, so builds and tests never need them.

import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const protocolDir = process.env.KAFKA_PROTOCOL_DIR ?? resolve(repoRoot, '../shared/kafka-protocol');
const outDir = join(repoRoot, 'protocol/generated');
const check = process.argv.includes('--check');

if (!existsSync(join(protocolDir, 'messages'))) {
  if (check) {
    console.log(`check:generated: ${protocolDir} not found; nothing to compare against, skipping.`);
    process.exit(0);
  }
  console.error(`generate: Kafka protocol schemas not found at ${protocolDir} (set KAFKA_PROTOCOL_DIR).`);
  process.exit(1);
}

const files = generate(protocolDir);
const existing = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.ts')) : [];
const stale = existing.filter((f) => !files.has(f));

if (check) {
  const differing = [...files].filter(([f, content]) => !existsSync(join(outDir, f)) || readFileSync(join(outDir, f), 'utf8') !== content);
  for (const [f] of differing) console.error(`differs: protocol/generated/${f}`);
  for (const f of stale) console.error(`not generated any more: protocol/generated/${f}`);
  if (differing.length > 0 || stale.length > 0) {
    console.error('check:generated: protocol/generated is out of date; run `npm run generate`.');
    process.exit(1);
  }
  console.log(`check:generated: ${files.size} files up to date.`);
} else {
  mkdirSync(outDir, { recursive: true });
  for (const f of stale) rmSync(join(outDir, f));
  let written = 0;
  for (const [f, content] of files) {
    const p = join(outDir, f);
    if (existsSync(p) && readFileSync(p, 'utf8') === content) continue;
    writeFileSync(p, content);
    written++;
  }
  console.log(`generate: ${files.size} files in protocol/generated (${written} written, ${stale.length} removed).`);
}
