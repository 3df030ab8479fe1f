/**
 * Starts s3rver in-process on 127.0.0.1 with an ephemeral port and a temp directory, creates a
 * bucket, and returns how to reach it. s3rver has no types: the tiny surface used is declared here.
 *
 * Remember (shared/design/measured.md): s3rver ignores conditional writes, never fsyncs, and corrupts
 * aws-chunked uploads unless the client uses checksum mode WHEN_REQUIRED (S3ObjectStore does).
 */
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

interface S3rverOptions {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  vhostBuckets: boolean;
  resetOnClose: boolean;
  configureBuckets: { name: string }[];
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

type S3rverConstructor = new (options: S3rverOptions) => S3rverInstance;

const require = createRequire(import.meta.url);

export interface S3rverHandle {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  bucket: string;
  /** Temp directory holding s3rver's files (removed by close). */
  directory: string;
  /** Credentials s3rver accepts (it accepts any, with the default S3RVER key pair). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

export async function startS3rver(options: { bucket?: string } = {}): Promise<S3rverHandle> {
  const S3rver = require('s3rver') as S3rverConstructor;
  const directory = await mkdtemp(join(tmpdir(), 'sh-s3rver-'));
  const bucket = options.bucket ?? 'streamhouse-test';
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    vhostBuckets: false,
    resetOnClose: false,
    configureBuckets: [{ name: bucket }],
  });
  const address = await server.run();
  let closed = false;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    directory,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
