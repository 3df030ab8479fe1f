/**
 * ObjectStore on S3-compatible storage (AWS S3, MinIO, s3rver in tests).
 *
 * The client ALWAYS uses `requestChecksumCalculation: 'WHEN_REQUIRED'` and
 * `responseChecksumValidation: 'WHEN_REQUIRED'`: with the SDK's default (`WHEN_SUPPORTED`) a streamed
 * body is sent aws-chunked with a trailing checksum, which s3rver stores as object data (silent
 * corruption, see shared/design/measured.md). Bodies are always single Buffers with a ContentLength.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  S3Client,
  PutObjectCommand,
  GetObjectCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  HeadBucketCommand,
  HeadObjectCommand,
  CreateBucketCommand,
} from '@aws-sdk/client-s3';
import type { ByteRange, ObjectInfo, ObjectStore } from './object-store.js';
import { ObjectNotFoundError } from './object-store.js';
import { validateObjectKey, checkRange, InvalidObjectKeyError } from './directory-object-store.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Default `us-east-1` (or AWS_REGION). */
  region?: string;
  /** e.g. `http://127.0.0.1:4568` for s3rver or MinIO; omit for AWS. */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`); needed by s3rver and usually by MinIO. Default false. */
  forcePathStyle?: boolean;
  /**
   * Explicit credentials; otherwise AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN)
   * from the environment, otherwise the SDK's default provider chain.
   */
  credentials?: S3Credentials;
  /** Prefix prepended to every key inside the bucket (e.g. `cluster-a/`); default none. */
  prefix?: string;
  /** Keep-alive sockets per agent. Default 64. */
  maxSockets?: number;
  /** Per-request timeout in ms (0 = none). Default 0. */
  requestTimeoutMs?: number;
  /** SDK retry attempts. Default 3. */
  maxAttempts?: number;
}

function credentialsFromEnv(env: NodeJS.ProcessEnv): S3Credentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env.AWS_SESSION_TOKEN;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

interface SdkErrorShape {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function sdkError(err: unknown): SdkErrorShape {
  return typeof err === 'object' && err !== null ? (err as SdkErrorShape) : {};
}

function isNotFound(err: unknown): boolean {
  const e = sdkError(err);
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.Code === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

function isInvalidRange(err: unknown): boolean {
  const e = sdkError(err);
  return e.name === 'InvalidRange' || e.Code === 'InvalidRange' || e.$metadata?.httpStatusCode === 416;
}

export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  readonly bucket: string;
  readonly client: S3Client;
  private readonly keyPrefix: string;
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;
  private closed = false;

  constructor(options: S3ObjectStoreOptions, env: NodeJS.ProcessEnv = process.env) {
    this.bucket = options.bucket;
    this.keyPrefix = options.prefix ?? '';
    if (this.keyPrefix !== '' && (this.keyPrefix.startsWith('/') || this.keyPrefix.includes('..'))) {
      throw new InvalidObjectKeyError(this.keyPrefix, 'invalid key prefix');
    }
    const maxSockets = options.maxSockets ?? 64;
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets, maxFreeSockets: Math.min(maxSockets, 16) });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets, maxFreeSockets: Math.min(maxSockets, 16) });
    const credentials = options.credentials ?? credentialsFromEnv(env);
    this.client = new S3Client({
      region: options.region ?? env.AWS_REGION ?? 'us-east-1',
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(credentials !== undefined ? { credentials } : {}),
      maxAttempts: options.maxAttempts ?? 3,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        httpAgent: this.httpAgent,
        httpsAgent: this.httpsAgent,
        ...(options.requestTimeoutMs ? { requestTimeout: options.requestTimeoutMs } : {}),
      },
    });
    const where = options.endpoint ?? `aws:${options.region ?? env.AWS_REGION ?? 'us-east-1'}`;
    this.description = `s3://${this.bucket}/${this.keyPrefix}@${where}`;
  }

  private fullKey(key: string): string {
    validateObjectKey(key);
    return this.keyPrefix + key;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`${this.description}: store is closed`);
  }

  /** `openS3ObjectStore`: constructs the store and checks (or creates) the bucket. */
  static open(options: OpenS3ObjectStoreOptions): Promise<S3ObjectStore> {
    return openS3ObjectStore(options);
  }

  /** Rejects when the bucket does not exist or is not accessible. */
  async checkBucket(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  /** Creates the bucket when it does not exist. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const name = sdkError(err).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
    }
  }

  async put(key: string, body: Buffer | readonly Buffer[]): Promise<void> {
    this.checkOpen();
    const Key = this.fullKey(key);
    const buf = Buffer.isBuffer(body) ? body : body.length === 1 ? body[0] : Buffer.concat(body);
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: buf, ContentLength: buf.length }));
  }

  async get(key: string): Promise<Buffer> {
    this.checkOpen();
    const Key = this.fullKey(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return await bodyToBuffer(res.Body);
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async getRange(key: string, range: ByteRange, into?: Buffer): Promise<Buffer> {
    this.checkOpen();
    checkRange(range, into);
    const served = await this.fetchRange(key, range);
    if (!into) return served;
    // The SDK hands over a buffer of its own; copying it keeps the caller's memory reused.
    served.copy(into);
    return into.subarray(0, served.length);
  }

  private async fetchRange(key: string, range: ByteRange): Promise<Buffer> {
    const Key = this.fullKey(key);
    if (range.length === 0) {
      // HTTP cannot express an empty range; still report a missing object.
      try {
        await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      } catch (err) {
        if (isNotFound(err)) throw new ObjectNotFoundError(key);
        throw err;
      }
      return Buffer.alloc(0);
    }
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key, Range: `bytes=${range.start}-${range.start + range.length - 1}` }),
      );
      const buf = await bodyToBuffer(res.Body);
      if (buf.length <= range.length && contentRangeStart(res.ContentRange) === range.start) return buf;
      // The server sent more than asked: a 200 with the whole object (Range ignored), or s3rver 3.7,
      // which reads `bytes=a-0` as "to the end". Cut the requested bytes out of what was served.
      const servedStart = contentRangeStart(res.ContentRange) ?? 0;
      const from = range.start - servedStart;
      if (from < 0) throw new Error(`${this.description}: server returned range starting at ${servedStart} for ${range.start}`);
      return buf.subarray(from, from + range.length);
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key);
      if (isInvalidRange(err)) return Buffer.alloc(0); // start at or past the end
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    this.checkOpen();
    const Key = this.fullKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    this.checkOpen();
    const out: ObjectInfo[] = [];
    let ContinuationToken: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.keyPrefix + prefix, ContinuationToken }),
      );
      for (const o of res.Contents ?? []) {
        if (o.Key === undefined) continue;
        out.push({ key: o.Key.slice(this.keyPrefix.length), size: o.Size ?? 0 });
      }
      ContinuationToken = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
    out.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** Start of a `Content-Range: bytes a-b/size` header, or undefined when absent. */
function contentRangeStart(header: string | undefined): number | undefined {
  const m = header === undefined ? null : /^bytes (\d+)-/.exec(header);
  return m ? Number(m[1]) : undefined;
}

interface ByteArrayBody {
  transformToByteArray(): Promise<Uint8Array>;
}

async function bodyToBuffer(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  const b = body as Partial<ByteArrayBody>;
  if (typeof b.transformToByteArray === 'function') {
    const bytes = await b.transformToByteArray();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  if (Buffer.isBuffer(body)) return body;
  throw new TypeError('unexpected S3 response body');
}

export interface OpenS3ObjectStoreOptions extends S3ObjectStoreOptions {
  /** Create the bucket when it does not exist (default true; it is only checked when it exists). */
  createBucket?: boolean;
}

/** Creates an S3 store and checks the bucket (creating it when missing unless `createBucket: false`). */
export async function openS3ObjectStore(options: OpenS3ObjectStoreOptions): Promise<S3ObjectStore> {
  const { createBucket, ...rest } = options;
  const store = new S3ObjectStore(rest);
  try {
    if (createBucket === false) await store.checkBucket();
    else await store.ensureBucket();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
