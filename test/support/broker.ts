/**
 * Brokers for integration tests, on each backend: the embedded default (PGlite + directory) and
 * PostgreSQL + S3 (the CI's PostgreSQL, a fresh database per broker; s3rver in-process).
 */
import { startBroker, type Broker, type StartBrokerOptions } from '../../src/broker.js';
import { createTestDatabase, postgresSkip } from './postgres.js';
import { startS3rver } from './s3rver.js';

export type Backend = 'embedded' | 'postgres+s3';
export const BACKENDS: readonly Backend[] = ['embedded', 'postgres+s3'];

export interface TestBroker {
  broker: Broker;
  backend: Backend;
  stop(): Promise<void>;
}

/** Why a backend's tests must be skipped here, or false. */
export async function backendSkip(backend: Backend): Promise<string | false> {
  return backend === 'embedded' ? false : postgresSkip();
}

export async function startTestBroker(backend: Backend, options: StartBrokerOptions = {}): Promise<TestBroker> {
  const base: StartBrokerOptions = { logLevel: process.env.TEST_LOG_LEVEL ?? 'warn', mergeIntervalMs: 3_600_000, ...options };
  if (backend === 'embedded') {
    const broker = await startBroker(base);
    return { broker, backend, stop: () => broker.stop() };
  }
  const db = await createTestDatabase();
  const s3 = await startS3rver();
  const broker = await startBroker({
    ...base,
    databaseUrl: db.url,
    s3Endpoint: s3.endpoint,
    s3Bucket: s3.bucket,
    s3ForcePathStyle: true,
    s3Credentials: s3.credentials,
    lingerMs: options.lingerMs ?? 5,
  });
  return {
    broker,
    backend,
    async stop() {
      await broker.stop();
      await s3.close();
      await db.drop();
    },
  };
}
