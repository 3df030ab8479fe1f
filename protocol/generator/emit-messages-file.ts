// Emits one generated file holding whole messages: an API's request and response, or a header.

import { Code, GENERATED_BANNER } from './code.js';
import { emitCodec, emitDefaultHelpers, emitInterfaces } from './emit-codec.js';
import type { MessageDef, StructDef } from './model.js';
import { newNeeds } from './typemap.js';

/** Exported names of a messages file (used to check that `index.ts` re-exports stay unambiguous). */
export function exportedNames(messages: readonly MessageDef[]): string[] {
  const names: string[] = [];
  for (const m of messages) {
    names.push(...[m.root, ...m.structs].map((s: StructDef) => s.tsName), `read${m.name}`, `write${m.name}`);
  }
  return names;
}

export function emitMessagesFile(messages: readonly MessageDef[], summary: string): string {
  const names = exportedNames(messages);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`${summary}: ${dup} defined twice`);

  const needs = newNeeds();
  const body = new Code();
  for (const m of messages) emitInterfaces(body, m);
  for (const m of messages) emitCodec(body, m, needs);
  emitDefaultHelpers(body, needs);

  const head = new Code();
  head.line(GENERATED_BANNER, `// ${summary}`, '');
  head.line(
    "import type { Reader } from '../runtime/reader.js';",
    "import type { Input } from '../runtime/types.js';",
    "import type { Writer } from '../runtime/writer.js';",
  );
  const helpers = [...needs.helpers].sort();
  if (helpers.length > 0) head.line(`import { ${helpers.join(', ')} } from '../runtime/helpers.js';`);
  return head.toString() + body.toString();
}
