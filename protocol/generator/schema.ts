// Loading Kafka's message schema files: JSON with `//` line comments.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A field exactly as written in a schema file. */
export interface RawField {
  readonly name: string;
  readonly type: string;
  readonly versions?: string;
  readonly about?: string;
  readonly nullableVersions?: string;
  readonly taggedVersions?: string;
  readonly tag?: number;
  readonly flexibleVersions?: string;
  readonly default?: string | number | boolean;
  readonly ignorable?: boolean;
  readonly mapKey?: boolean;
  readonly entityType?: string;
  readonly zeroCopy?: boolean;
  readonly fields?: readonly RawField[];
}

export interface RawStruct {
  readonly name: string;
  readonly versions: string;
  readonly fields: readonly RawField[];
}

/** A message (request, response or header) schema exactly as written. */
export interface RawMessage {
  readonly apiKey?: number;
  readonly type: 'request' | 'response' | 'header';
  readonly name: string;
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly deprecatedVersions?: string;
  readonly latestVersionUnstable?: boolean;
  readonly listeners?: readonly string[];
  readonly fields: readonly RawField[];
  readonly commonStructs?: readonly RawStruct[];
}

/**
 * Removes `//` line comments, leaving `//` inside string literals alone (URLs in `about` texts).
 * Newlines are kept so that JSON.parse error positions still match the file's lines.
 */
export function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\' && i + 1 < text.length) out += text[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      if (i < text.length) out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

export function parseSchema(text: string, source: string): RawMessage {
  try {
    return JSON.parse(stripComments(text)) as RawMessage;
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
}

/** Every `messages/*.json` file of the reference directory, sorted by file name (determinism). */
export function loadSchemas(protocolDir: string): RawMessage[] {
  const dir = join(protocolDir, 'messages');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseSchema(readFileSync(join(dir, f), 'utf8'), f));
}
