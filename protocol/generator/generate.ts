// The whole generation as a pure function: reference directory in, file contents out.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_BANNER } from './code.js';
import { emitApiKeys } from './emit-api-keys.js';
import { emitErrorCodes, type RawError } from './emit-error-codes.js';
import { emitMessagesFile, exportedNames } from './emit-messages-file.js';
import { emitSchemaInfo } from './emit-schema-info.js';
import { buildMessage, pairApis, type MessageDef } from './model.js';
import { loadSchemas } from './schema.js';
import { formatVersions } from './versions.js';

/** File name (relative to protocol/generated) → content. Insertion order is deterministic. */
export function generate(protocolDir: string): Map<string, string> {
  const messages = loadSchemas(protocolDir).map(buildMessage);
  const apis = pairApis(messages);
  const headers = ['RequestHeader', 'ResponseHeader'].map((name) => {
    const h = messages.find((m) => m.name === name && m.type === 'header');
    if (!h) throw new Error(`${name}.json is missing`);
    return h;
  });
  const errors = (JSON.parse(readFileSync(join(protocolDir, 'errors.json'), 'utf8')) as { errors: RawError[] }).errors;

  const files = new Map<string, string>();
  const exported = new Map<string, string>();
  const add = (file: string, msgs: readonly MessageDef[], summary: string): void => {
    for (const n of exportedNames(msgs)) {
      const other = exported.get(n);
      if (other) throw new Error(`${n} is exported by both ${other} and ${file}`);
      exported.set(n, file);
    }
    files.set(file, emitMessagesFile(msgs, summary));
  };
  for (const h of headers) add(`${h.name.replace(/Header$/, '').toLowerCase()}-header.ts`, [h], `${h.name}, versions ${formatVersions(h.valid)}.`);
  for (const a of apis) {
    const flex = a.request.flexible === null ? 'never flexible' : `flexible from ${a.request.flexible.lo}`;
    add(`${a.fileName}.ts`, [a.request, a.response], `${a.name} (API key ${a.key}): versions ${formatVersions(a.request.valid)}, ${flex}.`);
  }
  files.set('api-keys.ts', emitApiKeys(apis));
  files.set('error-codes.ts', emitErrorCodes(errors));
  files.set('schema-info.ts', emitSchemaInfo(messages));

  const index = [GENERATED_BANNER, '// schema-info.ts is left out on purpose: it is metadata for tests and tools.', ''];
  for (const f of ['request-header.ts', 'response-header.ts', ...apis.map((a) => `${a.fileName}.ts`), 'api-keys.ts', 'error-codes.ts']) {
    index.push(`export * from './${f.replace(/\.ts$/, '.js')}';`);
  }
  files.set('index.ts', index.join('\n') + '\n');
  return files;
}
