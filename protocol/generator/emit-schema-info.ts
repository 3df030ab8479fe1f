// Emits schema-info.ts: the resolved schemas as data (field names, types, versions, nullability,
// tags, defaults). The codecs do not use it; tests build random messages from it, and tools may
// inspect it. It is data, not an interpreter: the codecs stay straight-line code.

import { Code, GENERATED_BANNER, quote } from './code.js';
import type { DefaultValue, FieldDef, FieldType, MessageDef } from './model.js';
import type { VersionRange } from './versions.js';

function span(r: VersionRange | null): string {
  return r === null ? 'null' : `[${r.lo}, ${r.hi}]`;
}

function typeInfo(t: FieldType): string {
  if (t.kind === 'array') return `{ kind: 'array', element: ${typeInfo(t.element)} }`;
  if (t.kind === 'struct') return `{ kind: 'struct', struct: ${quote(t.struct.tsName)} }`;
  return `{ kind: '${t.kind}' }`;
}

function defaultInfo(d: DefaultValue): string {
  switch (d.kind) {
    case 'null':
      return 'null';
    case 'number':
    case 'bool':
      return String(d.value);
    case 'bigint':
      return `${d.value}n`;
    case 'string':
      return quote(d.value);
    case 'uuid':
      return quote('00000000-0000-0000-0000-000000000000');
    case 'emptyBytes':
      return '{ emptyBytes: true }';
    case 'emptyArray':
      return '{ emptyArray: true }';
    case 'struct':
      return `{ struct: ${quote(d.struct.tsName)} }`;
  }
}

function fieldInfo(f: FieldDef): string {
  return (
    `{ name: ${quote(f.name)}, type: ${typeInfo(f.type)}, versions: ${span(f.versions)}, ` +
    `nullableVersions: ${span(f.nullable)}, tag: ${f.tag}, taggedVersions: ${span(f.tagged)}, ` +
    `flexibleVersions: ${span(f.flexible)}, ignorable: ${f.ignorable}, default: ${defaultInfo(f.default)} },`
  );
}

const TYPES = `/** An inclusive version range; open ranges ("N+") end at 32767. */
export type VersionSpan = readonly [number, number];

export type TypeInfo =
  | { readonly kind: 'bool' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'float64' | 'uuid' | 'string' | 'bytes' | 'records' }
  | { readonly kind: 'array'; readonly element: TypeInfo }
  | { readonly kind: 'struct'; readonly struct: string };

/** A field's default: the value itself, or a marker for empty arrays/bytes and default structs. */
export type DefaultInfo =
  | null
  | boolean
  | number
  | bigint
  | string
  | { readonly emptyArray: true }
  | { readonly emptyBytes: true }
  | { readonly struct: string };

export interface FieldInfo {
  /** Property name. */
  readonly name: string;
  readonly type: TypeInfo;
  readonly versions: VersionSpan | null;
  readonly nullableVersions: VersionSpan | null;
  readonly tag: number | null;
  readonly taggedVersions: VersionSpan | null;
  /** Versions using the compact encoding (the message's, unless the field overrides them). */
  readonly flexibleVersions: VersionSpan | null;
  readonly ignorable: boolean;
  readonly default: DefaultInfo;
}

export interface StructInfo {
  /** Interface name. */
  readonly name: string;
  readonly fields: readonly FieldInfo[];
}

export interface MessageInfo {
  readonly name: string;
  readonly apiKey: number | null;
  readonly validVersions: VersionSpan;
  readonly flexibleVersions: VersionSpan | null;
  /** Interface name of the message itself; a key of \`structs\`. */
  readonly root: string;
  readonly structs: Readonly<Record<string, StructInfo>>;
}`;

export function emitSchemaInfo(messages: readonly MessageDef[]): string {
  const c = new Code();
  c.line(GENERATED_BANNER, '// Schema metadata as data: used by tests to build random messages; not used by the codecs.', '');
  c.line(...TYPES.split('\n'));
  c.line('');
  c.line('/** Every message schema (requests, responses, headers), by message name. */');
  c.block('export const messageInfos: Readonly<Record<string, MessageInfo>> =', () => {
    for (const m of messages) {
      c.block(`${m.name}:`, () => {
        c.line(
          `name: ${quote(m.name)},`,
          `apiKey: ${m.apiKey},`,
          `validVersions: ${span(m.valid)},`,
          `flexibleVersions: ${span(m.flexible)},`,
          `root: ${quote(m.root.tsName)},`,
        );
        c.block('structs:', () => {
          for (const s of [m.root, ...m.structs]) {
            c.block(`${s.tsName}:`, () => {
              c.line(`name: ${quote(s.tsName)},`);
              if (s.fields.length === 0) c.line('fields: [],');
              else c.block('fields: [', () => c.line(...s.fields.map(fieldInfo)), '],');
            }, '},');
          }
        }, '},');
      }, '},');
    }
  }, '};');
  return c.toString();
}
