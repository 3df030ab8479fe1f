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
 * CPU-seconds. Node 24 ignores `--liftoff-only` set at run time but honours the tiering budget: a
 * process that opened a fresh store and ran the migrations held 204 instead of 531 MB. Flags are
 * process-wide, but nothing else in the broker runs WebAssembly.
 */
export const PGLITE_V8_FLAGS = '--liftoff-only --wasm-tiering-budget=2147483647';
