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
