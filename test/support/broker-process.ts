/**
 * A broker in a child process (the real CLI), for tests that kill it: kill -9 mid-stream, restart
 * on the same stores.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { after } from 'node:test';
import { OPTIONS } from '../../src/config.js';
import { BROKER_NODE_FLAGS } from '../../src/node-flags.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface BrokerProcess {
  port: number;
  child: ChildProcess;
  /** The broker's log lines at warn level or above (pino JSON), for failure messages. */
  problems(): string[];
  /** SIGKILL: no flush, no goodbye. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for a clean exit; resolves with the exit code. */
  terminate(): Promise<number | null>;
}

/** Brokers still running: killed when the test file ends, so a failed test cannot leave one behind. */
const live = new Set<ChildProcess>();
after(() => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * The environment of a broker child: the test's own, minus every StreamHouse setting (CI exports
 * DATABASE_URL for the tests' Postgres, which would turn an "embedded" broker into a Postgres one
 * sharing state across runs), plus `env`.
 */
export function brokerEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  for (const o of OPTIONS) delete out[o.env];
  return { ...out, ...env };
}

/** Node's flags default to those `npm start` gives (BROKER_NODE_FLAGS). */
export function spawnBroker(args: string[], env: Record<string, string> = {}, nodeFlags: readonly string[] = BROKER_NODE_FLAGS): Promise<BrokerProcess> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', 'src/cli.ts', '--port', '0', '--host', '127.0.0.1', '--log-level', 'info', ...args], {
    cwd: root,
    env: brokerEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => live.delete(child));
  let stderr = '';
  const problems: string[] = [];
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker did not start in time; stderr: ${stderr}`));
    }, 60_000);
    void exited.then((code) => reject(new Error(`broker exited with ${code} before serving; stderr: ${stderr}`)));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (/"level":(4|5|6)\d/.test(line)) problems.push(line);
      if (!line.includes('StreamHouse is serving')) return;
      clearTimeout(timer);
      const { port } = JSON.parse(line) as { port: number };
      resolve({
        port,
        child,
        problems: () => [...problems, ...(stderr ? [stderr] : [])],
        async kill9() {
          child.kill('SIGKILL');
          await exited;
        },
        async terminate() {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
  });
}
