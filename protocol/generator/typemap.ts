// Mapping from schema types to TypeScript types, default-value expressions, default/non-default
// tests, and minimum wire sizes.

import { quote } from './code.js';
import type { DefaultValue, FieldDef, FieldType, StructDef } from './model.js';
import { contains, type VersionRange } from './versions.js';

/** What an emitted file needs besides its own code: runtime helpers and per-struct helpers. */
export interface Needs {
  /** Names imported from runtime/helpers.js. */
  readonly helpers: Set<string>;
  /** Structs whose `default…()` function is used. */
  readonly defaults: Set<StructDef>;
  /** Structs whose `isDefault…()` function is used. */
  readonly isDefaults: Set<StructDef>;
}

export function newNeeds(): Needs {
  return { helpers: new Set(), defaults: new Set(), isDefaults: new Set() };
}

export function tsType(t: FieldType): string {
  switch (t.kind) {
    case 'bool':
      return 'boolean';
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float64':
      return 'number';
    case 'int64':
      return 'bigint';
    case 'uuid':
    case 'string':
      return 'string';
    case 'bytes':
      return 'Buffer';
    case 'records':
      return 'Buffer | null';
    case 'array': {
      const e = tsType(t.element);
      return e.includes(' ') ? `(${e})[]` : `${e}[]`;
    }
    case 'struct':
      return t.struct.tsName;
  }
}

/** The property type: nullable in any version means `| null` (records are always `Buffer | null`). */
export function fieldTsType(f: FieldDef): string {
  const t = tsType(f.type);
  return f.nullable !== null && f.type.kind !== 'records' ? `${t} | null` : t;
}

export function defaultFunctionName(s: StructDef): string {
  return `default${s.tsName}`;
}

export function isDefaultFunctionName(s: StructDef): string {
  return `isDefault${s.tsName}`;
}

/** An expression producing a fresh default value for the field (used by decoders). */
export function defaultExpr(d: DefaultValue, needs: Needs): string {
  switch (d.kind) {
    case 'null':
      return 'null';
    case 'number':
      return Object.is(d.value, -0) ? '-0' : String(d.value);
    case 'bigint':
      return `${d.value}n`;
    case 'bool':
      return String(d.value);
    case 'string':
      return quote(d.value);
    case 'uuid':
      needs.helpers.add('ZERO_UUID');
      return 'ZERO_UUID';
    case 'emptyBytes':
      needs.helpers.add('EMPTY_BUFFER');
      return 'EMPTY_BUFFER';
    case 'emptyArray':
      return '[]';
    case 'struct':
      needs.defaults.add(d.struct);
      return `${defaultFunctionName(d.struct)}()`;
  }
}

/**
 * `m.x` with the default filled in, as an `Input<…>` value (used by encoders). A missing struct
 * becomes `{}`: the struct's own encoder fills in its fields' defaults.
 */
export function inputExpr(f: FieldDef, needs: Needs): string {
  const access = `m.${f.name}`;
  if (f.default.kind === 'struct') return `${access} ?? {}`;
  const d = defaultExpr(f.default, needs);
  // `??` would also replace an explicit null, which is a real value for nullable fields.
  if (f.nullable !== null && f.default.kind !== 'null') return `${access} === undefined ? ${d} : ${access}`;
  return `${access} ?? ${d}`;
}

/** A condition that is true when `v` (an Input value of the field, never undefined) is its default. */
export function isDefaultTest(f: FieldDef, v: string, needs: Needs): string {
  const d = f.default;
  const nullable = f.nullable !== null || f.type.kind === 'records';
  switch (d.kind) {
    case 'null':
      return `${v} === null`;
    case 'emptyBytes':
    case 'emptyArray':
      return nullable ? `${v} !== null && ${v}.length === 0` : `${v}.length === 0`;
    case 'struct':
      needs.isDefaults.add(d.struct);
      return nullable ? `${v} !== null && ${isDefaultFunctionName(d.struct)}(${v})` : `${isDefaultFunctionName(d.struct)}(${v})`;
    default:
      return `${v} === ${defaultExpr(d, needs)}`;
  }
}

/** The negation of `isDefaultTest`, written positively. */
export function nonDefaultTest(f: FieldDef, v: string, needs: Needs): string {
  const d = f.default;
  const nullable = f.nullable !== null || f.type.kind === 'records';
  switch (d.kind) {
    case 'null':
      return `${v} !== null`;
    case 'emptyBytes':
    case 'emptyArray':
      return nullable ? `(${v} === null || ${v}.length !== 0)` : `${v}.length !== 0`;
    case 'struct':
      needs.isDefaults.add(d.struct);
      return nullable
        ? `(${v} === null || !${isDefaultFunctionName(d.struct)}(${v}))`
        : `!${isDefaultFunctionName(d.struct)}(${v})`;
    default:
      return `${v} !== ${defaultExpr(d, needs)}`;
  }
}

const FIXED_SIZES: Partial<Record<FieldType['kind'], number>> = {
  bool: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, float64: 8, uuid: 16,
};

/**
 * The fewest bytes a value of this type takes in `version`. Used to reject array counts that
 * cannot fit in the remaining input before looping over them.
 */
export function minSize(t: FieldType, version: number, flexible: boolean, nullable: boolean): number {
  const fixed = FIXED_SIZES[t.kind];
  if (fixed !== undefined) return fixed;
  switch (t.kind) {
    case 'string':
      return flexible ? 1 : 2;
    case 'bytes':
    case 'records':
    case 'array':
      return flexible ? 1 : 4;
    case 'struct':
      return nullable ? 1 : structMinSize(t.struct, version);
    default:
      throw new Error(`minSize: ${t.kind}`);
  }
}

const structMinCache = new Map<StructDef, Map<number, number>>();

export function structMinSize(s: StructDef, version: number): number {
  let perVersion = structMinCache.get(s);
  if (!perVersion) structMinCache.set(s, (perVersion = new Map()));
  const cached = perVersion.get(version);
  if (cached !== undefined) return cached;
  // The tagged-field section of a flexible struct takes at least its 1-byte count.
  let size = contains(s.flexible, version) ? 1 : 0;
  for (const f of s.fields) {
    if (f.tag !== null || !contains(f.versions, version)) continue;
    size += minSize(f.type, version, contains(f.flexible, version), contains(f.nullable, version));
  }
  perVersion.set(version, size);
  return size;
}

/** The minimum element size of an array field over the versions in `range`. */
export function arrayElementMinSize(element: FieldType, range: VersionRange, flexible: VersionRange | null): number {
  let min = Infinity;
  for (let v = range.lo; v <= range.hi; v++) min = Math.min(min, minSize(element, v, contains(flexible, v), false));
  return min;
}
