/**
 * The broker under test, in a child process: the real CLI as users run it (`node dist/src/cli.js`,
 * compiled by `buildBroker()` at the start of the run), on 127.0.0.1 and an ephemeral port read
 * from its "StreamHouse is serving" log line. Optionally under `node --cpu-prof`, whose profile is
 * written when the broker exits cleanly (SIGTERM).
 * BENCH_BROKER_LOG=<file> appends the broker's log lines (pino JSON) to that file.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { OPTIONS } from '../src/config.js';
import { BROKER_NODE_FLAGS } from '../src/node-flags.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface BrokerChildOptions {
  args: string[];
  env?: Record<string, string>;
  /** Write a V8 CPU profile of the broker into this directory. */
  cpuProfDir?: string;
  /** More node flags (e.g. --trace-gc). */
  nodeArgs?: string[];
}

export interface BrokerChild {
  port: number;
  pid: number;
  /**
   * SIGTERM, wait for the exit (SIGKILL after `graceMs`; a clean stop waits for the background
   * merger's current pass); returns the CPU profile files written (main thread first).
   */
  stop(graceMs: number): Promise<string[]>;
}

/**
 * Compiles src/ into dist/ (`tsc -p tsconfig.build.json`, a few seconds), so the broker measured is
 * the code in the working tree, run the way `npm start` runs it: under tsx the broker spent ~15%
 * more CPU per GB and held ~90 MB more RSS (the loader thread and its compiled sources).
 */
export async function buildBroker(): Promise<void> {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT });
}

/**
 * The environment without any variable the broker reads its configuration from: a backend says
 * everything it means with flags, and a DATABASE_URL exported for the tests must not turn the
 * embedded run into a run on that PostgreSQL (and on the rows earlier runs left there).
 */
function withoutBrokerSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const o of OPTIONS) delete out[o.env];
  return out;
}

export async function startBrokerChild(options: BrokerChildOptions): Promise<BrokerChild> {
  if (options.cpuProfDir) await mkdir(options.cpuProfDir, { recursive: true });
  // Node's flags as `npm start` gives them (package.json; a test keeps the two the same), then ours.
  const nodeArgs = [...BROKER_NODE_FLAGS, ...(options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []), ...(options.nodeArgs ?? [])];
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, join('dist', 'src', 'cli.js'), '--port', '0', '--host', '127.0.0.1', '--log-level', 'info', ...options.args],
    { cwd: ROOT, env: { ...withoutBrokerSettings(process.env), ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start in 60 s; stderr: ${stderr}`)), 60_000);
    void exited.then((code) => reject(new Error(`broker exited with ${code} before serving; stderr: ${stderr}`)));
    const logFile = process.env.BENCH_BROKER_LOG;
    lines.on('line', (line) => {
      if (logFile) appendFileSync(logFile, `${line}\n`);
      if (/"level":(50|60)/.test(line)) process.stderr.write(`broker: ${line}\n`);
      if (!line.includes('StreamHouse is serving')) return;
      clearTimeout(timer);
      const { port } = JSON.parse(line) as { port: number };
      const pid = child.pid!;
      resolve({
        port,
        pid,
        async stop(graceMs) {
          child.kill('SIGTERM');
          const killer = setTimeout(() => {
            process.stderr.write(`broker ${pid} did not stop within ${graceMs / 1000} s of SIGTERM: SIGKILL${options.cpuProfDir ? ' (so no CPU profile)' : ''}\n`);
            child.kill('SIGKILL');
          }, graceMs);
          await exited;
          clearTimeout(killer);
          if (!options.cpuProfDir) return [];
          // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main thread (others: workers).
          const files = (await readdir(options.cpuProfDir)).filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.`)).sort();
          return files.map((f) => join(options.cpuProfDir!, f));
        },
      });
    });
  });
}
