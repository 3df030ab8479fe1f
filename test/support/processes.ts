import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion with optional stdin, killing it after `timeoutMs`. */
export function run(cmd: string, args: string[], options: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Why a test needing an external client must be skipped, or false. In CI (REQUIRE_CLIENTS=1) a
 * missing client fails the tests instead: .ci/run installs them.
 */
export function clientSkip(available: boolean, what: string): string | false {
  if (available || process.env.REQUIRE_CLIENTS === '1') return false;
  return `${what} is not installed (apt-get install kcat python3-kafka python3-confluent-kafka)`;
}

export const KCAT = '/usr/bin/kcat';
export const DEBIAN_PYTHON = '/usr/bin/python3';
export const hasKcat = existsSync(KCAT);
