#!/usr/bin/env node
import { ConfigError, helpText, parseConfig } from './config.js';
import { startBroker } from './broker.js';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`streamhouse: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (parsed.help) {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  const broker = await startBroker(parsed.config);
  let signals = 0;
  const shutdown = (signal: string): void => {
    if (++signals > 1) process.exit(1); // a second Ctrl-C does not wait
    process.stderr.write(`streamhouse: ${signal}, shutting down\n`);
    broker.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`streamhouse: shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`streamhouse: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
