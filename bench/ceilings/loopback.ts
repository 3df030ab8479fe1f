/**
 * Ceiling 1: raw TCP throughput over loopback between two Node processes (this one sends 1 MiB
 * writes, a child process sinks them), as measured.md's tcp.mjs. Nothing a broker does over
 * loopback can beat it.
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { MiB, mbPerSec, median } from '../stats.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface LoopbackCeiling {
  mbPerSec: number;
  runs: number[];
  bytesPerRun: number;
}

async function oneRun(port: number, bytes: number): Promise<number> {
  const chunk = Buffer.alloc(MiB, 0x5a);
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const received = new Promise<number>((resolve, reject) => {
    const parts: Buffer[] = [];
    socket.on('data', (d: Buffer) => parts.push(d));
    socket.on('end', () => resolve(Number(Buffer.concat(parts).readBigUInt64BE(0))));
    socket.on('error', reject);
  });
  const start = performance.now();
  let sent = 0;
  while (sent < bytes) {
    sent += chunk.length;
    if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
  }
  socket.end();
  const got = await received;
  const ms = performance.now() - start;
  if (got !== sent) throw new Error(`loopback sink got ${got} of ${sent} bytes`);
  return mbPerSec(sent, ms);
}

export async function measureLoopback(bytes: number, runs: number): Promise<LoopbackCeiling> {
  const sink = fork(fileURLToPath(new URL('./loopback-sink.ts', import.meta.url)), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      sink.once('message', (p: number) => resolve(p));
      sink.once('exit', (code) => reject(new Error(`loopback sink exited with ${code}`)));
    });
    await oneRun(port, Math.min(bytes, 128 * MiB)); // warm-up
    const results: number[] = [];
    for (let i = 0; i < runs; i++) results.push(await oneRun(port, bytes));
    return { mbPerSec: median(results), runs: results, bytesPerRun: bytes };
  } finally {
    sink.kill();
  }
}
