// Whole frames: header + body of one request or response.
//
// A frame on the wire is an int32 size followed by that many bytes. `decodeRequest` and
// `decodeResponse` take the bytes AFTER the size (the connection code has already split the
// stream); the encoders return chunks that START with the size, ready for cork()/write().

import {
  ApiKey,
  apiByKey,
  type ApiInfo,
  type ApiKeyValue,
  type ApiRequests,
  type ApiResponses,
} from './generated/api-keys.js';
import { readRequestHeader, writeRequestHeader } from './generated/request-header.js';
import { readResponseHeader, writeResponseHeader } from './generated/response-header.js';
import { DecodeError } from './runtime/decode-error.js';
import { Reader } from './runtime/reader.js';
import type { Input } from './runtime/types.js';
import { Writer } from './runtime/writer.js';

/** The request header, with the names the rest of the broker uses. */
export interface RequestFrameHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** null when the client sent none (or header v0, which has no client id). */
  clientId: string | null;
  /** The request header version the frame was read with (0, 1 or 2). */
  headerVersion: number;
}

/** What could be read of the header of a frame that failed to decode. */
export interface PartialRequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** Present when the header was read completely. */
  clientId?: string | null;
}

/** A decoded request; `apiKey` discriminates `body`: `if (d.apiKey === ApiKey.Produce) d.body…`. */
export type DecodedRequestOk = {
  [K in ApiKeyValue]: { ok: true; apiKey: K; header: RequestFrameHeader; body: ApiRequests[K] };
}[ApiKeyValue];

/**
 * A request that could not be decoded. `header` is null only when the frame is too short to hold
 * api key, version and correlation id (8 bytes); otherwise the server can still answer (with
 * UNSUPPORTED_VERSION, say) under the right correlation id, or at least log what it got.
 */
export interface DecodedRequestFailure {
  ok: false;
  header: PartialRequestHeader | null;
  error: DecodeError;
}

export type DecodedRequest = DecodedRequestOk | DecodedRequestFailure;

/** The fixed start of every request header: int16 api key, int16 version, int32 correlation id. */
const FIXED_HEADER_SIZE = 8;

/**
 * Decodes one request frame (without its size prefix). Never throws for bad input: every problem
 * comes back as `{ ok: false, error: DecodeError }`.
 *
 * - Unknown api key → 'UNKNOWN_API'; version outside the schema's range → 'UNSUPPORTED_VERSION'.
 * - An ApiVersions request newer than we know still gets its header read as v2 (Kafka does the
 *   same, KIP-511), so the broker can reply UNSUPPORTED_VERSION in ApiVersions v0.
 * - Bytes left over after the body are an error ('INVALID_LENGTH'): they mean client and broker
 *   disagree about the layout of this version, and guessing would be worse than refusing.
 */
export function decodeRequest(frame: Buffer): DecodedRequest {
  if (frame.length < FIXED_HEADER_SIZE) {
    return { ok: false, header: null, error: new DecodeError('TRUNCATED', `request frame of ${frame.length} bytes has no complete header`) };
  }
  const partial: PartialRequestHeader = {
    apiKey: frame.readInt16BE(0),
    apiVersion: frame.readInt16BE(2),
    correlationId: frame.readInt32BE(4),
  };
  const { apiKey, apiVersion } = partial;
  const api = apiByKey(apiKey);
  if (api === undefined) {
    return { ok: false, header: partial, error: new DecodeError('UNKNOWN_API', `unknown api key ${apiKey}`) };
  }
  if (apiVersion < api.minVersion || apiVersion > api.maxVersion) {
    if (apiKey === ApiKey.ApiVersions && apiVersion > api.maxVersion) {
      try {
        partial.clientId = readRequestHeader(new Reader(frame), 2).clientId;
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
      }
    }
    const error = new DecodeError(
      'UNSUPPORTED_VERSION',
      `${api.name} v${apiVersion} is outside versions ${api.minVersion}-${api.maxVersion}`,
    );
    return { ok: false, header: partial, error };
  }

  const r = new Reader(frame);
  try {
    const headerVersion = api.requestHeaderVersion(apiVersion);
    const raw = readRequestHeader(r, headerVersion);
    const clientId = headerVersion >= 1 ? raw.clientId : null;
    partial.clientId = clientId;
    const header: RequestFrameHeader = { apiKey, apiVersion, correlationId: partial.correlationId, clientId, headerVersion };
    const body = api.readRequest(r, apiVersion);
    if (r.remaining !== 0) {
      throw new DecodeError('INVALID_LENGTH', `${r.remaining} bytes left after ${api.name} v${apiVersion} request body`);
    }
    // The table lookup by key guarantees that body matches apiKey.
    return { ok: true, apiKey, header, body } as DecodedRequestOk;
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, header: partial, error: e };
    throw e;
  }
}

function apiFor(apiKey: number, apiVersion: number): ApiInfo {
  const api = apiByKey(apiKey);
  if (api === undefined) throw new Error(`unknown api key ${apiKey}`);
  if (!Number.isInteger(apiVersion) || apiVersion < api.minVersion || apiVersion > api.maxVersion) {
    throw new Error(`${api.name} v${apiVersion} is outside versions ${api.minVersion}-${api.maxVersion}`);
  }
  return api;
}

/** Writes the frame into chunks, size prefix first (backfilled once the length is known). */
function frame(write: (w: Writer) => void): Buffer[] {
  const w = new Writer();
  const size = w.reserveInt32();
  write(w);
  w.patchInt32(size, w.length - 4);
  return w.toChunks();
}

/**
 * Encodes a response frame, size prefix included, as chunks (large record sets are referenced,
 * not copied). The response header version follows the API and version (ApiVersions: always v0).
 * Unknown API or version is a programming error (Error).
 */
export function encodeResponse<K extends ApiKeyValue>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: Input<ApiResponses[K]>,
): Buffer[];
export function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: object): Buffer[];
export function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: object): Buffer[] {
  const api = apiFor(apiKey, apiVersion);
  return frame((w) => {
    writeResponseHeader(w, { correlationId }, api.responseHeaderVersion(apiVersion));
    api.writeResponse(w, body, apiVersion);
  });
}

/** Encodes a request frame, size prefix included (for clients, tests and benchmarks). */
export function encodeRequest<K extends ApiKeyValue>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  body: Input<ApiRequests[K]>,
): Buffer[];
export function encodeRequest(apiKey: number, apiVersion: number, correlationId: number, clientId: string | null, body: object): Buffer[];
export function encodeRequest(apiKey: number, apiVersion: number, correlationId: number, clientId: string | null, body: object): Buffer[] {
  const api = apiFor(apiKey, apiVersion);
  return frame((w) => {
    const header = { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId };
    writeRequestHeader(w, header, api.requestHeaderVersion(apiVersion));
    api.writeRequest(w, body, apiVersion);
  });
}

export interface DecodedResponse<T = unknown> {
  correlationId: number;
  body: T;
}

/**
 * Decodes a response frame (without its size prefix) for a request sent as `apiKey`/`apiVersion`.
 * Throws DecodeError for malformed input, including bytes left over after the body.
 */
export function decodeResponse<K extends ApiKeyValue>(apiKey: K, apiVersion: number, frame: Buffer): DecodedResponse<ApiResponses[K]>;
export function decodeResponse(apiKey: number, apiVersion: number, frame: Buffer): DecodedResponse;
export function decodeResponse(apiKey: number, apiVersion: number, frame: Buffer): DecodedResponse {
  const api = apiByKey(apiKey);
  if (api === undefined) throw new DecodeError('UNKNOWN_API', `unknown api key ${apiKey}`);
  if (apiVersion < api.minVersion || apiVersion > api.maxVersion) {
    throw new DecodeError('UNSUPPORTED_VERSION', `${api.name} v${apiVersion} is outside versions ${api.minVersion}-${api.maxVersion}`);
  }
  const r = new Reader(frame);
  const { correlationId } = readResponseHeader(r, api.responseHeaderVersion(apiVersion));
  const body = api.readResponse(r, apiVersion);
  if (r.remaining !== 0) {
    throw new DecodeError('INVALID_LENGTH', `${r.remaining} bytes left after ${api.name} v${apiVersion} response body`);
  }
  return { correlationId, body };
}
