/**
 * Entry of a load-generator child process (one for producers, one for consumers), so the generator
 * has its own core and its own event loop. Jobs arrive over IPC; see messages.ts.
 */
import { runProduce } from './producer.js';
import { ConsumerRun } from './consumer.js';
import type { FromChild, ToChild } from './messages.js';

const CATCHUP_TIMEOUT_MS = 120_000;

function reply(m: FromChild): void {
  process.send!(m);
}

function fail(err: unknown): void {
  reply({ kind: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}

let consumer: ConsumerRun | null = null;
let progressTimer: NodeJS.Timeout | null = null;

process.on('message', (m: ToChild) => {
  switch (m.kind) {
    case 'produce':
      runProduce(m, (bytes, records) => reply({ kind: 'progress', role: 'producer', bytes, records })).then(reply, fail);
      break;
    case 'consume': {
      const run = new ConsumerRun(m);
      consumer = run;
      run.start().then(() => {
        reply({ kind: 'ready' });
        progressTimer = setInterval(() => reply({ kind: 'progress', role: 'consumer', ...run.progress }), 500);
        if (m.until) void finish(run, null, CATCHUP_TIMEOUT_MS);
      }, fail);
      break;
    }
    case 'finish':
      if (consumer) void finish(consumer, m.endOffsets, m.timeoutMs);
      else fail(new Error('finish without a consume job'));
      break;
    case 'exit':
      process.exit(0);
  }
});

async function finish(run: ConsumerRun, endOffsets: bigint[] | null, timeoutMs: number): Promise<void> {
  try {
    const result = await run.finish(endOffsets, timeoutMs);
    if (progressTimer) clearInterval(progressTimer);
    consumer = null;
    reply(result);
  } catch (err) {
    fail(err);
  }
}

process.on('disconnect', () => process.exit(0));
