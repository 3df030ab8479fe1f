/**
 * Group consumers in Debian's python3 (NOT the pyenv `python3` on PATH) for integration tests:
 * a librdkafka consumer (python3-confluent-kafka) in its own process, driven over stdin/stdout with
 * one JSON event per line, and availability checks for confluent-kafka and kafka-python.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { DEBIAN_PYTHON } from './processes.js';

function canImport(module: string): boolean {
  if (!existsSync(DEBIAN_PYTHON)) return false;
  return spawnSync(DEBIAN_PYTHON, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 20_000 }).status === 0;
}

export const hasConfluentKafka = canImport('confluent_kafka');
export const hasKafkaPython = canImport('kafka');

/**
 * The consumer process. argv: JSON config, topic. Events (stdout, one JSON object a line):
 * ready; assign / revoke / lost {partitions: the partitions of this callback (incremental with
 * cooperative-sticky, the whole set with eager protocols), assignment: c.assignment() at the time};
 * message {partition, offset, value}; commit-retry / commit-error {code, name, partition, offset} (a
 * retriable commit error is retried every 50 ms, up to 100 times); error {code, name, fatal, str};
 * stats {rebalance_cnt, join_state, state, assignment_size}; closed.
 * stdin: `close` closes the consumer (commits are already synchronous; a dynamic member leaves the
 * group, a static one does not) and exits 0.
 */
const CONSUMER_SCRIPT = String.raw`
import sys, json, threading, time
from confluent_kafka import Consumer, KafkaException

conf = json.loads(sys.argv[1])
topic = sys.argv[2]
lock = threading.Lock()

def emit(**kw):
    with lock:
        sys.stdout.write(json.dumps(kw) + '\n')
        sys.stdout.flush()

def error_cb(err):
    emit(ev='error', code=err.code(), name=err.name(), fatal=err.fatal(), str=err.str())

def stats_cb(raw):
    s = json.loads(raw).get('cgrp') or {}
    emit(ev='stats', rebalance_cnt=s.get('rebalance_cnt'), join_state=s.get('join_state'), state=s.get('state'), assignment_size=s.get('assignment_size'))

conf['error_cb'] = error_cb
if conf.get('statistics.interval.ms'):
    conf['stats_cb'] = stats_cb
c = Consumer(conf)

def parts(ps):
    return sorted(p.partition for p in ps)

def current():
    try:
        return parts(c.assignment())
    except Exception:
        return None

def on_assign(consumer, ps):
    emit(ev='assign', partitions=parts(ps), assignment=current())

def on_revoke(consumer, ps):
    emit(ev='revoke', partitions=parts(ps), assignment=current())

def on_lost(consumer, ps):
    emit(ev='lost', partitions=parts(ps), assignment=current())

c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)
stop = threading.Event()

def read_stdin():
    for line in sys.stdin:
        if line.strip() == 'close':
            break
    stop.set()

threading.Thread(target=read_stdin, daemon=True).start()
emit(ev='ready')
while not stop.is_set():
    m = c.poll(0.1)
    if m is None:
        continue
    if m.error():
        emit(ev='error', code=m.error().code(), name=m.error().name(), fatal=m.error().fatal(), str=m.error().str())
        continue
    emit(ev='message', partition=m.partition(), offset=m.offset(), value=m.value().decode())
    # Commit after processing. A commit sent while the group completes a rebalance gets the
    # retriable REBALANCE_IN_PROGRESS (as from Kafka): retry it for a while, as an application would.
    for attempt in range(100):
        try:
            c.commit(message=m, asynchronous=False)
            break
        except KafkaException as e:
            err = e.args[0]
            if err.retriable() or err.code() == 27:
                emit(ev='commit-retry', code=err.code(), name=err.name(), partition=m.partition(), offset=m.offset())
                time.sleep(0.05)
                continue
            emit(ev='commit-error', code=err.code(), name=err.name(), partition=m.partition(), offset=m.offset())
            break
c.close()
emit(ev='closed')
`;

export interface ConsumerEvent {
  ev: 'ready' | 'assign' | 'revoke' | 'lost' | 'message' | 'commit-retry' | 'commit-error' | 'error' | 'stats' | 'closed';
  partitions?: number[];
  assignment?: number[] | null;
  partition?: number;
  offset?: number;
  value?: string;
  code?: number;
  name?: string;
  fatal?: boolean;
  str?: string;
  rebalance_cnt?: number;
  join_state?: string;
  state?: string;
  assignment_size?: number;
  /** Added here: ms since the process started. */
  at: number;
}

export class PythonConsumer {
  readonly events: ConsumerEvent[] = [];
  readonly exited: Promise<number | null>;
  stderr = '';
  readonly #child: ChildProcess;
  readonly #started = Date.now();

  constructor(
    readonly name: string,
    config: Record<string, string | number | boolean>,
    topic: string,
  ) {
    this.#child = spawn(DEBIAN_PYTHON, ['-u', '-c', CONSUMER_SCRIPT, JSON.stringify(config), topic], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.#child.once('exit', (code, signal) => resolve(signal !== null ? -1 : code)));
    this.#child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      if (this.stderr.length > 200_000) this.stderr = this.stderr.slice(-100_000);
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      try {
        this.events.push({ ...(JSON.parse(line) as Omit<ConsumerEvent, 'at'>), at: Date.now() - this.#started });
      } catch {
        this.stderr += `(stdout) ${line}\n`;
      }
    });
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  of(ev: ConsumerEvent['ev']): ConsumerEvent[] {
    return this.events.filter((e) => e.ev === ev);
  }

  /** Rebalance callbacks only (assign / revoke / lost), in order. */
  rebalances(): ConsumerEvent[] {
    return this.events.filter((e) => e.ev === 'assign' || e.ev === 'revoke' || e.ev === 'lost');
  }

  /** The partitions owned now, replaying the callbacks with incremental (cooperative) semantics. */
  ownedIncremental(): number[] {
    const owned = new Set<number>();
    for (const e of this.rebalances()) {
      for (const p of e.partitions ?? []) {
        if (e.ev === 'assign') owned.add(p);
        else owned.delete(p);
      }
    }
    return [...owned].sort((x, y) => x - y);
  }

  async waitFor(what: string, check: (self: PythonConsumer) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this)) {
      if (Date.now() > deadline) throw new Error(`${this.name}: timed out waiting for ${what}; events ${JSON.stringify(this.events.filter((e) => e.ev !== 'message' && e.ev !== 'stats').slice(-20))}; stderr ${this.stderr.slice(-2000)}`);
      if (!this.running && !check(this)) throw new Error(`${this.name} exited while waiting for ${what}; stderr ${this.stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Asks the consumer to close (c.close()) and waits for the process to exit (SIGKILL after `timeoutMs`). */
  async close(timeoutMs = 20_000): Promise<number | null> {
    if (!this.running) return this.exited;
    this.#child.stdin!.end('close\n');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL: no LeaveGroup, no goodbye. */
  async kill9(): Promise<void> {
    if (this.running) this.#child.kill('SIGKILL');
    await this.exited;
  }
}
