// The registry: every API StreamHouse serves, with the versions it serves. ApiVersions advertises
// exactly this list, so an API is advertised if and only if a handler here serves it.
import type { ApiHandler } from './context.js';
import { apiVersionsHandler, type VersionRange } from './api-versions.js';
import { produceHandler } from './produce.js';
import { fetchHandler } from './fetch.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { groupHandlers } from './group-handlers.js';
import { adminHandlers } from './admin-handlers.js';

/** Handlers hold different request/response types; the dispatcher only routes by api key. */
export type AnyHandler = ApiHandler<never, unknown>;

const dataHandlers: readonly AnyHandler[] = [produceHandler, fetchHandler, listOffsetsHandler, metadataHandler];

function build(): Map<number, AnyHandler> {
  const all: AnyHandler[] = [...dataHandlers, ...groupHandlers, ...adminHandlers];
  const byKey = new Map<number, AnyHandler>();
  const apiVersions = apiVersionsHandler(() => ranges);
  all.push(apiVersions);
  for (const h of all) {
    if (byKey.has(h.apiKey)) throw new Error(`two handlers for api key ${h.apiKey}`);
    byKey.set(h.apiKey, h);
  }
  return byKey;
}

export const handlers: ReadonlyMap<number, AnyHandler> = build();

/** What ApiVersions advertises, ordered by api key. */
export const ranges: readonly VersionRange[] = [...handlers.values()]
  .map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion }))
  .sort((a, b) => a.apiKey - b.apiKey);
