/**
 * The first start of an embedded data directory: PGlite's initdb, run in a child process of its
 * own. initdb peaks at ~770 MB, and a thread's exit does not give all of it back: measured on
 * Node 20, a broker whose first start ran initdb in a worker thread held ~130 MB more RSS for the
 * rest of its life than one that opened an existing directory (355 vs 227 MB idle). A process's
 * exit returns everything. The child gets PGLITE_NODE_FLAGS on its command line, where every Node
 * version honours them (so, unlike the worker, it sets no V8 flags at run time).
 *
 * The child is plain JavaScript given on the command line, importing PGlite by the URL this
 * module resolves, so it runs the same whether StreamHouse runs from dist/ or from sources under tsx.
 */
import { spawn } from 'node:child_process';
import { PGLITE_DATABASE, PGLITE_NODE_FLAGS, PGLITE_SETTINGS, PGLITE_USER } from './pglite-settings.js';

const CHILD_SCRIPT = `
const [pgliteUrl, dataPath, optionsJson] = process.argv.slice(1);
const { PGlite } = await import(pgliteUrl);
const o = JSON.parse(optionsJson);
const db = await PGlite.create(dataPath, { username: o.username, database: o.database, startParams: [...PGlite.defaultStartParams, ...o.settings] });
await db.close();
`;

/** What the child printed, kept for the error message: the last few KiB are enough. */
const OUTPUT_LIMIT = 8 * 1024;

/** Creates PGlite's database in `dataPath` (which must not hold one yet) and returns once it is closed. */
export async function initEmbeddedDataDir(dataPath: string): Promise<void> {
  const options = JSON.stringify({ username: PGLITE_USER, database: PGLITE_DATABASE, settings: PGLITE_SETTINGS });
  const args = [...PGLITE_NODE_FLAGS, '--input-type=module', '-e', CHILD_SCRIPT, import.meta.resolve('@electric-sql/pglite'), dataPath, options];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  await new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`could not start the process that initializes ${dataPath}: ${err.message}`, { cause: err })));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`embedded PGlite failed to initialize ${dataPath} (${signal ?? `exit code ${code}`}): ${output.trim()}`));
    });
  });
}
