import { PGLITE_NODE_FLAGS } from './metadata/pglite-settings.js';

/**
 * Node's flags for a broker process: `npm start` gives exactly these (package.json's start script;
 * a test keeps the two equal), and so do the benchmark and the tests' broker processes.
 *
 * `--max-semi-space-size=16`: Node 24 sizes V8's young generation at 2 × 64 MB where Node 20 and 22
 * use 2 × 16 (the flag changes nothing there). A broker allocates mostly short-lived objects per
 * request, and the larger young generation only made scavenges rarer and longer and the heap
 * bigger: in full embedded benchmark runs on Node 24.21 (`npm run bench -- --backend embedded`,
 * two each way) peak RSS under load was 663 / 703 MB with it against 753 / 728 without, and p99
 * at 50% load 56 / 54 against 73 / 124 ms, at the same maximum throughput.
 */
export const BROKER_NODE_FLAGS: readonly string[] = [...PGLITE_NODE_FLAGS, '--max-semi-space-size=16'];
