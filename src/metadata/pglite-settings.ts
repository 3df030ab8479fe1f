/**
 * How the embedded PGlite is opened, shared by the process that creates its data directory and the
 * worker that serves it, which import PGlite themselves (this module does not, so the main thread
 * never loads it).
 */
export const PGLITE_USER = 'postgres';
export const PGLITE_DATABASE = 'postgres';

/**
 * Added to PGlite's default start parameters. PostgreSQL's default 128 MB of shared buffers would
 * be most of the embedded broker's memory (measured: 16 MB instead saves ~130 MB of RSS, idle and
 * under writes). The metadata tables are small and the operating system caches their files anyway.
 */
export const PGLITE_SETTINGS: readonly string[] = ['-c', 'shared_buffers=16MB'];

/**
 * V8 flags set (with v8.setFlagsFromString) before PGlite compiles its 9 MB WebAssembly module:
 * baseline code only, no optimizing tier. Measured on Node 20 and 22: a PGlite worker holds ~50 MB
 * less (126 vs 175 MB after 5,000 upserts), upserts are no slower (0.20–0.26 vs 0.27–0.29 ms: the
 * optimizing compiler no longer competes for the two cores), and initdb takes 1.9 instead of 3.4
 * CPU-seconds. Flags are process-wide, but nothing else in the broker runs WebAssembly. Node 24
 * ignores both set at run time (its optimizing tier still compiled PGlite under load with them):
 * see PGLITE_NODE_FLAGS.
 */
export const PGLITE_V8_FLAGS = '--liftoff-only --wasm-tiering-budget=2147483647';

/**
 * Node flags for every process that hosts PGlite: `npm start`, the initdb child, the test runner
 * and the benchmark's broker pass them on node's command line. Node 24 ignores PGLITE_V8_FLAGS set
 * at run time (the tiering budget too), so the optimizing tier compiles PGlite's hot functions as
 * the first clients' queries run: measured on Node 24.21, a broker's RSS went from 230 to 720 MB for
 * ~0.3 s when its first producer connected, and initdb peaked at 1,075 instead of 558 MB. Given on
 * the command line, the flag holds on every Node version (initdb on Node 22: 676 → 532 MB).
 */
export const PGLITE_NODE_FLAGS: readonly string[] = ['--liftoff-only'];

/**
 * True when this process will compile PGlite with the optimizing tier after all: Node 24 or later
 * started without PGLITE_NODE_FLAGS. Node 20 and 22 honour the flags set at run time.
 */
export function pgliteNodeFlagsMissing(version: string = process.version, execArgv: readonly string[] = process.execArgv): boolean {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1] ?? 0);
  return major >= 24 && !PGLITE_NODE_FLAGS.every((f) => execArgv.includes(f));
}
