// Emits api-keys.ts: the ApiKey constants and the per-API table used by the framing code.

import { Code, GENERATED_BANNER, quote } from './code.js';
import type { ApiDef } from './model.js';

export function emitApiKeys(apis: readonly ApiDef[]): string {
  const c = new Code();
  c.line(GENERATED_BANNER, '');
  c.line(
    "import type { Reader } from '../runtime/reader.js';",
    "import type { Input } from '../runtime/types.js';",
    "import type { Writer } from '../runtime/writer.js';",
  );
  for (const a of apis) {
    const req = a.request.name;
    const res = a.response.name;
    c.line(`import { read${req}, read${res}, write${req}, write${res}, type ${req}, type ${res} } from './${a.fileName}.js';`);
  }
  c.line('');
  c.line('/** Kafka API keys by name. */');
  c.block('export const ApiKey =', () => {
    for (const a of apis) c.line(`${a.name}: ${a.key},`);
  }, '} as const;');
  c.line('');
  c.line('export type ApiKeyName = keyof typeof ApiKey;');
  c.line('export type ApiKeyValue = (typeof ApiKey)[ApiKeyName];');
  c.line('');
  c.line('/** Request body type per API key. */');
  c.block('export interface ApiRequests', () => {
    for (const a of apis) c.line(`${a.key}: ${a.request.name};`);
  });
  c.line('');
  c.line('/** Response body type per API key. */');
  c.block('export interface ApiResponses', () => {
    for (const a of apis) c.line(`${a.key}: ${a.response.name};`);
  });
  c.line('');
  c.line(...API_INFO_TEMPLATE);
  c.line('');
  c.line('/** Every API of the schemas, by ascending key. */');
  c.block('export const apis: readonly ApiInfo[] = [', () => {
    for (const a of apis) {
      const m = a.request;
      const flexibleFrom = m.flexible === null ? 'null' : String(m.flexible.lo);
      const deprecated = m.deprecated === null ? 'null' : `{ min: ${m.deprecated.lo}, max: ${m.deprecated.hi} }`;
      // ControlledShutdown v0 predates the ClientId header field (see RequestHeader.json).
      const reqHeader = a.name === 'ControlledShutdown' ? 'controlledShutdownRequestHeaderVersion' : `requestHeaderVersion(${flexibleFrom})`;
      // ApiVersions responses always use header v0 so that any client can parse them.
      const resHeader = a.name === 'ApiVersions' ? '() => 0' : `responseHeaderVersion(${flexibleFrom})`;
      c.block('', () => {
        c.line(
          `key: ${a.key},`,
          `name: ${quote(a.name)},`,
          `minVersion: ${m.valid.lo},`,
          `maxVersion: ${m.valid.hi},`,
          `flexibleFrom: ${flexibleFrom},`,
          `deprecated: ${deprecated},`,
          `listeners: [${m.listeners.map(quote).join(', ')}],`,
          `latestVersionUnstable: ${m.latestVersionUnstable},`,
          `requestHeaderVersion: ${reqHeader},`,
          `responseHeaderVersion: ${resHeader},`,
          `readRequest: read${a.request.name},`,
          `writeRequest: write${a.request.name},`,
          `readResponse: read${a.response.name},`,
          `writeResponse: write${a.response.name},`,
        );
      }, `} satisfies ApiInfo<${a.request.name}, ${a.response.name}>,`);
    }
  }, '];');
  c.line('');
  c.line(...LOOKUP_TEMPLATE);
  return c.toString();
}

const API_INFO_TEMPLATE = `/** What the framing code needs to know about one API. */
export interface ApiInfo<Req = unknown, Res = unknown> {
  readonly key: number;
  /** \`Produce\`, \`Fetch\`, … */
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** The first flexible (KIP-482) version, or null when the API never is. */
  readonly flexibleFrom: number | null;
  /** Versions deprecated in Kafka 3.9 (removed in 4.0), or null. */
  readonly deprecated: { readonly min: number; readonly max: number } | null;
  /** Kafka process types serving the API: \`broker\`, \`controller\`, \`zkBroker\`. */
  readonly listeners: readonly string[];
  /** When true the highest version is still under development in Kafka. */
  readonly latestVersionUnstable: boolean;
  // Methods rather than function-typed properties: method parameters are bivariant, which lets
  // every ApiInfo<SomeRequest, SomeResponse> sit in one ApiInfo[] table.
  requestHeaderVersion(version: number): number;
  responseHeaderVersion(version: number): number;
  readRequest(r: Reader, version: number): Req;
  writeRequest(w: Writer, m: Input<Req>, version: number): void;
  readResponse(r: Reader, version: number): Res;
  writeResponse(w: Writer, m: Input<Res>, version: number): void;
}

/** Request header v2 for flexible versions, else v1. */
function requestHeaderVersion(flexibleFrom: number | null): (version: number) => number {
  return (version) => (flexibleFrom !== null && version >= flexibleFrom ? 2 : 1);
}

/** ControlledShutdown v0 is the only request using header v0 (no ClientId). */
function controlledShutdownRequestHeaderVersion(version: number): number {
  return version === 0 ? 0 : version >= 3 ? 2 : 1;
}

/** Response header v1 for flexible versions, else v0. */
function responseHeaderVersion(flexibleFrom: number | null): (version: number) => number {
  return (version) => (flexibleFrom !== null && version >= flexibleFrom ? 1 : 0);
}`.split('\n');

const LOOKUP_TEMPLATE = `const byKey: (ApiInfo | undefined)[] = [];
for (const api of apis) byKey[api.key] = api;

/** The API with this key, or undefined for keys we have no schema for. */
export function apiByKey(key: number): ApiInfo | undefined {
  return Number.isInteger(key) && key >= 0 ? byKey[key] : undefined;
}

/** Like \`apiByKey\`, typed by key, for callers that name the API statically. */
export function apiInfo<K extends ApiKeyValue>(key: K): ApiInfo<ApiRequests[K], ApiResponses[K]> {
  return byKey[key] as ApiInfo<ApiRequests[K], ApiResponses[K]>;
}`.split('\n');
