// Turns raw schema JSON into a resolved model: parsed version ranges, camelCased names, typed
// defaults, struct references resolved, unique TypeScript names. The emitters only read this model.

import type { RawField, RawMessage } from './schema.js';
import { hull, intersect, MAX_VERSION, parseVersions, type VersionRange } from './versions.js';

export type PrimitiveKind =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records';

const PRIMITIVES: ReadonlySet<string> = new Set<PrimitiveKind>([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'uuid', 'string', 'bytes', 'records',
]);

export type FieldType =
  | { readonly kind: PrimitiveKind }
  | { readonly kind: 'array'; readonly element: FieldType }
  | { readonly kind: 'struct'; readonly struct: StructDef };

export type DefaultValue =
  | { readonly kind: 'null' }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'bigint'; readonly value: bigint }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'uuid' }
  | { readonly kind: 'emptyBytes' }
  | { readonly kind: 'emptyArray' }
  | { readonly kind: 'struct'; readonly struct: StructDef };

export interface FieldDef {
  /** Name in the schema, e.g. `ErrorCode`. */
  readonly schemaName: string;
  /** Property name, e.g. `errorCode`. */
  readonly name: string;
  /** Local variable name in generated functions (the property name, unless that is reserved). */
  readonly local: string;
  readonly type: FieldType;
  readonly versions: VersionRange | null;
  readonly nullable: VersionRange | null;
  readonly tag: number | null;
  /** Versions in which the field is tagged (equal to `versions` for every tagged field). */
  readonly tagged: VersionRange | null;
  /** Versions in which this field uses the compact (flexible) encoding. */
  readonly flexible: VersionRange | null;
  readonly ignorable: boolean;
  readonly about: string;
  readonly default: DefaultValue;
}

export interface StructDef {
  readonly schemaName: string;
  /** Interface name, unique in its file: `ProduceRequestTopicProduceData`. */
  readonly tsName: string;
  readonly fields: FieldDef[];
  /** The versions in which this struct can occur (hull of the ranges of the fields using it). */
  context: VersionRange | null;
  readonly isRoot: boolean;
  /** The message's flexible versions: they decide whether the struct ends with tagged fields. */
  readonly flexible: VersionRange | null;
}

export interface MessageDef {
  /** `ProduceRequest`, `RequestHeader`, … */
  readonly name: string;
  readonly type: 'request' | 'response' | 'header';
  readonly apiKey: number | null;
  readonly valid: VersionRange;
  readonly flexible: VersionRange | null;
  readonly deprecated: VersionRange | null;
  readonly listeners: readonly string[];
  readonly latestVersionUnstable: boolean;
  readonly root: StructDef;
  /** Nested and common structs, in schema order (depth first), root excluded. */
  readonly structs: readonly StructDef[];
}

/** `ErrorCode` → `errorCode`, `timeoutMs` → `timeoutMs`. */
export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** `DescribeTopicPartitions` → `describe-topic-partitions`. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

// Names a generated function uses for its own variables, plus JavaScript reserved words: a field
// with one of these names gets a `_` suffix on its local variable (never on its property).
const RESERVED_LOCALS: ReadonlySet<string> = new Set([
  'r', 'w', 'm', 'e', 'i', 'n', 't', 'version', 'flexible', 'tag', 'end', 'numTaggedFields',
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else',
  'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof',
  'new', 'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void',
  'while', 'with', 'yield', 'let', 'static', 'implements', 'interface', 'package', 'private',
  'protected', 'public', 'await', 'arguments', 'eval', 'undefined',
]);

function parseInteger(raw: string | number | boolean, where: string): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'boolean') throw new Error(`${where}: boolean default on an integer field`);
  const s = raw.trim();
  const v = s.startsWith('-') ? -Number(s.slice(1)) : Number(s); // Number() reads "0x7fffffff" too
  if (!Number.isInteger(v)) throw new Error(`${where}: bad integer default ${JSON.stringify(raw)}`);
  return v;
}

function parseBigInt(raw: string | number | boolean, where: string): bigint {
  const s = String(raw).trim();
  try {
    return s.startsWith('-') ? -BigInt(s.slice(1)) : BigInt(s);
  } catch {
    throw new Error(`${where}: bad int64 default ${JSON.stringify(raw)}`);
  }
}

const INT_RANGES: Record<string, readonly [number, number]> = {
  int8: [-0x80, 0x7f],
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
};

function parseDefault(raw: RawField, type: FieldType, nullable: VersionRange | null, where: string): DefaultValue {
  const d = raw.default;
  const isNull = d === 'null';
  if (isNull && nullable === null && type.kind !== 'records') {
    throw new Error(`${where}: default null on a field that is never nullable`);
  }
  switch (type.kind) {
    case 'bool':
      return { kind: 'bool', value: d === true || d === 'true' };
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32': {
      const v = d === undefined ? 0 : parseInteger(d, where);
      const [lo, hi] = INT_RANGES[type.kind];
      if (v < lo || v > hi) throw new Error(`${where}: default ${v} out of ${type.kind} range`);
      return { kind: 'number', value: v };
    }
    case 'int64':
      return { kind: 'bigint', value: d === undefined ? 0n : parseBigInt(d, where) };
    case 'float64':
      return { kind: 'number', value: d === undefined ? 0 : Number(d) };
    case 'string':
      if (isNull) return { kind: 'null' };
      return { kind: 'string', value: d === undefined ? '' : String(d) };
    case 'uuid':
      if (d !== undefined) throw new Error(`${where}: uuid defaults are not supported`);
      return { kind: 'uuid' };
    case 'bytes':
      if (isNull) return { kind: 'null' };
      if (d !== undefined && d !== '') throw new Error(`${where}: non-empty bytes defaults are not supported`);
      return { kind: 'emptyBytes' };
    case 'records':
      // The README: records default to null. In a version where they are not nullable an absent
      // value is written as an empty record set (see the emitter).
      return { kind: 'null' };
    case 'array':
      if (isNull) return { kind: 'null' };
      if (d !== undefined && d !== '') throw new Error(`${where}: non-empty array defaults are not supported`);
      return { kind: 'emptyArray' };
    case 'struct':
      if (isNull) return { kind: 'null' };
      if (d !== undefined) throw new Error(`${where}: struct defaults other than null are not supported`);
      return { kind: 'struct', struct: type.struct };
  }
}

/** Resolves one schema file. */
export function buildMessage(raw: RawMessage): MessageDef {
  const valid = parseVersions(raw.validVersions);
  if (valid === null) throw new Error(`${raw.name}: no valid versions`);
  const flexible = parseVersions(raw.flexibleVersions);
  // Once flexible, always flexible: the emitters split version ranges at a single point.
  if (flexible !== null && flexible.hi !== MAX_VERSION) throw new Error(`${raw.name}: flexibleVersions must be "N+"`);
  const structs: StructDef[] = [];
  const byName = new Map<string, StructDef>();
  const usedTsNames = new Set<string>();

  const tsNameOf = (schemaName: string): string =>
    schemaName.startsWith(raw.name) ? schemaName : raw.name + schemaName;

  const declare = (schemaName: string, isRoot: boolean): StructDef => {
    if (byName.has(schemaName)) throw new Error(`${raw.name}: struct ${schemaName} defined twice`);
    const tsName = isRoot ? raw.name : tsNameOf(schemaName);
    if (usedTsNames.has(tsName)) throw new Error(`${raw.name}: interface name ${tsName} is not unique`);
    usedTsNames.add(tsName);
    const s: StructDef = { schemaName, tsName, fields: [], context: isRoot ? valid : null, isRoot, flexible };
    byName.set(schemaName, s);
    if (!isRoot) structs.push(s);
    return s;
  };

  // Pass 1: declare every struct, so fields may reference common structs defined later in the file.
  const declareInline = (fields: readonly RawField[]): void => {
    for (const f of fields) {
      if (f.fields) {
        declare(f.type.replace(/^\[\]/, ''), false);
        declareInline(f.fields);
      }
    }
  };
  const root = declare(raw.name, true);
  declareInline(raw.fields);
  for (const cs of raw.commonStructs ?? []) {
    if (parseVersions(cs.versions)?.lo !== 0) throw new Error(`${raw.name}.${cs.name}: common struct versions ${cs.versions} unsupported`);
    declare(cs.name, false);
    declareInline(cs.fields);
  }

  const resolveType = (t: string, where: string): FieldType => {
    if (t.startsWith('[]')) return { kind: 'array', element: resolveType(t.slice(2), where) };
    if (PRIMITIVES.has(t)) return { kind: t as PrimitiveKind };
    const s = byName.get(t);
    if (!s) throw new Error(`${where}: unknown type ${t}`);
    return { kind: 'struct', struct: s };
  };

  // Pass 2: fields.
  const fill = (struct: StructDef, fields: readonly RawField[]): void => {
    const locals = new Set<string>();
    for (const f of fields) {
      const where = `${raw.name}.${struct.schemaName}.${f.name}`;
      if (f.versions === undefined) throw new Error(`${where}: no versions`);
      const type = resolveType(f.type, where);
      const versions = parseVersions(f.versions);
      const nullable = f.nullableVersions === undefined ? null : parseVersions(f.nullableVersions);
      if (nullable !== null && !['string', 'bytes', 'records', 'array', 'struct'].includes(type.kind)) {
        throw new Error(`${where}: type ${f.type} cannot be nullable`);
      }
      const tagged = f.taggedVersions === undefined ? null : parseVersions(f.taggedVersions);
      if ((f.tag === undefined) !== (tagged === null)) throw new Error(`${where}: tag without taggedVersions or vice versa`);
      if (tagged !== null) {
        // The emitters rely on this (true of every Kafka 3.9 schema): a field is either always
        // tagged or never, and tagged versions are flexible versions.
        if (versions === null || tagged.lo !== versions.lo || tagged.hi !== versions.hi) {
          throw new Error(`${where}: taggedVersions must equal versions`);
        }
        const flex = intersect(tagged, flexible);
        if (!flex || flex.lo !== tagged.lo || flex.hi !== tagged.hi) throw new Error(`${where}: tagged outside flexible versions`);
      }
      const name = camelCase(f.name);
      const local = RESERVED_LOCALS.has(name) ? `${name}_` : name;
      if (locals.has(local)) throw new Error(`${where}: duplicate field name ${name}`);
      locals.add(local);
      struct.fields.push({
        schemaName: f.name,
        name,
        local,
        type,
        versions,
        nullable,
        tag: f.tag ?? null,
        tagged,
        flexible: f.flexibleVersions === undefined ? flexible : parseVersions(f.flexibleVersions),
        ignorable: f.ignorable === true,
        about: f.about ?? '',
        default: parseDefault(f, type, nullable, where),
      });
      if (f.fields) fill(byName.get(f.type.replace(/^\[\]/, ''))!, f.fields);
    }
    const tags = struct.fields.filter((x) => x.tag !== null).map((x) => x.tag);
    if (new Set(tags).size !== tags.length) throw new Error(`${raw.name}.${struct.schemaName}: duplicate tags`);
  };
  fill(root, raw.fields);
  for (const cs of raw.commonStructs ?? []) fill(byName.get(cs.name)!, cs.fields);

  // Pass 3: the version context of each struct, widened until stable (common structs can be
  // reached along several paths).
  const widen = (struct: StructDef): void => {
    for (const f of struct.fields) {
      const inner = f.type.kind === 'array' ? f.type.element : f.type;
      if (inner.kind !== 'struct') continue;
      const reach = intersect(f.versions, struct.context);
      const next = hull(inner.struct.context, reach);
      const c = inner.struct.context;
      if (next !== null && (c === null || next.lo !== c.lo || next.hi !== c.hi)) {
        inner.struct.context = next;
        widen(inner.struct);
      }
    }
  };
  widen(root);
  for (const s of structs) if (s.context === null) s.context = valid; // unused common struct

  return {
    name: raw.name,
    type: raw.type,
    apiKey: raw.apiKey ?? null,
    valid,
    flexible,
    deprecated: raw.deprecatedVersions === undefined ? null : parseVersions(raw.deprecatedVersions),
    listeners: [...(raw.listeners ?? [])].sort(),
    latestVersionUnstable: raw.latestVersionUnstable === true,
    root,
    structs,
  };
}

/** A request/response pair of one API. */
export interface ApiDef {
  readonly key: number;
  /** `Produce`, `DescribeTopicPartitions`. */
  readonly name: string;
  readonly fileName: string;
  readonly request: MessageDef;
  readonly response: MessageDef;
}

export function pairApis(messages: readonly MessageDef[]): ApiDef[] {
  const byKey = new Map<number, { request?: MessageDef; response?: MessageDef }>();
  for (const m of messages) {
    if (m.type === 'header') continue;
    if (m.apiKey === null) throw new Error(`${m.name}: no apiKey`);
    const entry = byKey.get(m.apiKey) ?? {};
    if (entry[m.type]) throw new Error(`api key ${m.apiKey}: two ${m.type} schemas`);
    entry[m.type] = m;
    byKey.set(m.apiKey, entry);
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => a - b)
    .map(([key, { request, response }]) => {
      if (!request || !response) throw new Error(`api key ${key}: request or response schema missing`);
      const name = request.name.replace(/Request$/, '');
      if (response.name !== `${name}Response`) throw new Error(`api key ${key}: ${request.name} / ${response.name}`);
      if (request.valid.lo !== response.valid.lo || request.valid.hi !== response.valid.hi) {
        throw new Error(`${name}: request and response version ranges differ`);
      }
      return { key, name, fileName: kebabCase(name), request, response };
    });
}
