// Emits, for one message, its interfaces and its straight-line read/write functions.
//
// Every struct (the message itself, inline structs, common structs) gets
//   read<Name>(r, version): Name        — fills absent fields with their defaults
//   write<Name>(w, m: Input<Name>, version) — writes missing fields as their defaults
// Only the message's own pair is exported. Version checks are plain `if (version >= N)` tests,
// simplified against the versions in which the struct can occur at all (`StructDef.context`).

import { Code, docComment, quote } from './code.js';
import type { FieldDef, FieldType, MessageDef, StructDef } from './model.js';
import {
  arrayElementMinSize,
  defaultExpr,
  defaultFunctionName,
  fieldTsType,
  inputExpr,
  isDefaultFunctionName,
  isDefaultTest,
  nonDefaultTest,
  tsType,
  type Needs,
} from './typemap.js';
import {
  formatVersions,
  intersect,
  notVersionCondition,
  versionCondition,
  type VersionRange,
} from './versions.js';

type Cond = string | boolean;

/** `cond ? a : b`, collapsed when `cond` is constant; nested ternaries get parentheses. */
function pick(cond: Cond, a: string, b: string): string {
  if (cond === true) return a;
  if (cond === false) return b;
  const p = (x: string): string => (x.includes(' ? ') ? `(${x})` : x);
  return `${cond} ? ${p(a)} : ${p(b)}`;
}

/** A statement chosen by `cond`: `if (cond) a; else b;`, collapsed when `cond` is constant. */
function pickStatement(cond: Cond, a: string, b: string): string {
  if (cond === true) return a;
  if (cond === false) return b;
  return `if (${cond}) ${a} else ${b}`;
}

function and(a: Cond, b: string): string {
  if (a === true) return b;
  if (a === false) return 'false';
  return `${a} && ${b}`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function readFunctionName(s: StructDef): string {
  return `read${s.tsName}`;
}

function writeFunctionName(s: StructDef): string {
  return `write${s.tsName}`;
}

/** Per-struct facts shared by the read and write emitters. */
class StructScope {
  readonly ctx: VersionRange;
  /** The struct-level flexible test: a constant, or the name of the `flexible` local. */
  readonly flex: Cond;
  readonly flexDecl: string | null;

  constructor(
    readonly message: MessageDef,
    readonly struct: StructDef,
  ) {
    this.ctx = struct.context!;
    const c = versionCondition(message.flexible, this.ctx);
    this.flex = typeof c === 'string' ? 'flexible' : c;
    this.flexDecl = typeof c === 'string' ? `const flexible = ${c};` : null;
  }

  /** Whether `f` uses the compact encoding, for code that runs in versions `range`. */
  fieldFlex(f: FieldDef, range: VersionRange): Cond {
    const c = versionCondition(f.flexible, range);
    if (typeof c !== 'string') return c;
    // A field without its own flexibleVersions follows the message: reuse the local.
    return f.flexible === this.message.flexible ? 'flexible' : c;
  }

  /** The flexible versions within this struct's context: where the tagged section exists. */
  taggedContext(): VersionRange | null {
    return intersect(this.message.flexible, this.ctx);
  }
}

// ---- interfaces ---------------------------------------------------------------------------------

function fieldDoc(f: FieldDef, needs: Needs): string {
  const facts = [`versions ${formatVersions(f.versions)}`];
  if (f.nullable !== null) facts.push(`nullable ${formatVersions(f.nullable)}`);
  if (f.tag !== null) facts.push(`tagged field ${f.tag}`);
  const d = f.default;
  const trivial =
    d.kind === 'emptyArray' ||
    d.kind === 'emptyBytes' ||
    d.kind === 'uuid' ||
    d.kind === 'struct' ||
    (d.kind === 'number' && d.value === 0) ||
    (d.kind === 'bigint' && d.value === 0n) ||
    (d.kind === 'bool' && !d.value) ||
    (d.kind === 'string' && d.value === '') ||
    (d.kind === 'null' && f.type.kind === 'records');
  if (!trivial) facts.push(`default ${defaultExpr(d, needs)}`);
  if (f.ignorable) facts.push('ignorable');
  const about = f.about.trim();
  return `${about}${about && !/[.!?]$/.test(about) ? '.' : ''} (${facts.join(', ')})`.trim();
}

export function emitInterfaces(code: Code, message: MessageDef): void {
  const scratch: Needs = { helpers: new Set(), defaults: new Set(), isDefaults: new Set() };
  for (const s of [message.root, ...message.structs]) {
    code.line('');
    const what = s.isRoot
      ? `${message.name}, versions ${formatVersions(message.valid)}` +
        (message.flexible ? ` (flexible from ${message.flexible.lo})` : ' (never flexible)') +
        '.'
      : `Struct ${s.schemaName} of ${message.name}.`;
    code.line(...docComment(what));
    code.block(`export interface ${s.tsName}`, () => {
      for (const f of s.fields) {
        code.line(...docComment(fieldDoc(f, scratch)));
        code.line(`${f.name}: ${fieldTsType(f)};`);
      }
    });
  }
}

// ---- read -------------------------------------------------------------------------------------

function scalarReadExpr(t: FieldType, flex: Cond, nullable: Cond): string {
  switch (t.kind) {
    case 'string':
      return pick(flex, pick(nullable, 'r.compactNullableString()', 'r.compactString()'), pick(nullable, 'r.nullableString()', 'r.string()'));
    case 'bytes':
    case 'records':
      return pick(flex, pick(nullable, 'r.compactNullableBytes()', 'r.compactBytes()'), pick(nullable, 'r.nullableBytes()', 'r.bytes()'));
    case 'struct': {
      const read = `${readFunctionName(t.struct)}(r, version)`;
      if (nullable === false) return read;
      // A nullable struct is preceded by an int8 marker: -1 null, 1 present.
      return `${and(nullable, 'r.int8() < 0')} ? null : ${read}`;
    }
    case 'array':
      throw new Error('arrays are not scalars');
    default:
      return `r.${t.kind}()`;
  }
}

/**
 * Statements reading field `f` (in versions `range`) into its local: declared `const` when
 * `declare` is set, otherwise assigned to an existing `let`.
 */
function readFieldStatements(
  scope: StructScope,
  f: FieldDef,
  range: VersionRange,
  mode: 'declare' | 'assign' | 'fresh',
): string[] {
  const declare = mode === 'declare';
  const flex = scope.fieldFlex(f, range);
  const nullable = versionCondition(f.nullable, range);
  // Nullability decided separately in the compact and the classic branch, where it is often fixed.
  const nullableCompact = versionCondition(f.nullable, intersect(range, f.flexible) ?? range);
  const nullableClassic = versionCondition(f.nullable, withoutFlexible(range, f.flexible));
  const x = f.local;
  if (f.type.kind !== 'array') {
    const lengthPrefixed = f.type.kind === 'string' || f.type.kind === 'bytes' || f.type.kind === 'records';
    const expr = lengthPrefixed
      ? pick(flex, scalarReadExpr(f.type, true, nullableCompact), scalarReadExpr(f.type, false, nullableClassic))
      : scalarReadExpr(f.type, flex, nullable);
    return [declare ? `const ${x} = ${expr};` : `${x} = ${expr};`];
  }
  const element = f.type.element;
  const min = arrayElementMinSize(element, range, f.flexible);
  const len = pick(
    flex,
    pick(nullableCompact, `r.compactNullableArrayLength(${min})`, `r.compactArrayLength(${min})`),
    pick(nullableClassic, `r.nullableArrayLength(${min})`, `r.arrayLength(${min})`),
  );
  const elem = scalarReadExpr(element, flex, false);
  if (f.nullable === null) {
    return [
      ...(declare ? [`const ${x}: ${tsType(f.type)} = [];`] : mode === 'assign' ? [`${x} = [];`] : []),
      ...loop(`for (let i = 0, n = ${len}; i < n; i++)`, `${x}.push(${elem});`),
    ];
  }
  const lines = declare ? [`let ${x}: ${fieldTsType(f)} = null;`] : [];
  lines.push(
    '{',
    `  const n = ${len};`,
    '  if (n >= 0) {',
    `    ${x} = [];`,
    ...loop('for (let i = 0; i < n; i++)', `${x}.push(${elem});`).map((l) => `    ${l}`),
  );
  // A nullable array whose default is not null must be reset when null is read.
  if (!declare && f.default.kind !== 'null') lines.push('  } else {', `    ${x} = null;`);
  lines.push('  }', '}');
  return lines;
}

/** One statement that can follow `if (…)` on the same line without dangling-else confusion. */
function inlineable(body: readonly string[]): boolean {
  return body.length === 1 && !body[0].startsWith('if ');
}

/** A loop on one line when short, else with its body on its own line. */
function loop(head: string, body: string): string[] {
  const oneLine = `${head} ${body}`;
  return oneLine.length <= 100 ? [oneLine] : [`${head} {`, `  ${body}`, '}'];
}

/** The part of `range` before the flexible versions (which are always "N+" or none). */
function withoutFlexible(range: VersionRange, flexible: VersionRange | null): VersionRange {
  if (flexible === null || flexible.lo > range.hi) return range;
  // No classic versions left: any range will do, the classic branch is never taken.
  return flexible.lo <= range.lo ? range : { lo: range.lo, hi: flexible.lo - 1 };
}

function emitIf(code: Code, cond: string, body: string[]): void {
  if (inlineable(body)) code.line(`if (${cond}) ${body[0]}`);
  else code.block(`if (${cond})`, () => code.line(...body));
}

/** `let x = default;`, annotated unless the default literal already gives the type. */
function letDefault(f: FieldDef, needs: Needs): string {
  const literal = ['number', 'bigint', 'bool', 'string'].includes(f.default.kind) && f.nullable === null;
  return literal
    ? `let ${f.local} = ${defaultExpr(f.default, needs)};`
    : `let ${f.local}: ${fieldTsType(f)} = ${defaultExpr(f.default, needs)};`;
}

function emitReadFunction(code: Code, scope: StructScope, needs: Needs): void {
  const s = scope.struct;
  const exported = s.isRoot ? 'export ' : '';
  code.line('');
  code.block(`${exported}function ${readFunctionName(s)}(r: Reader, version: number): ${s.tsName}`, () => {
    if (scope.flexDecl) code.line(scope.flexDecl);
    for (const f of s.fields) {
      if (f.tag !== null) {
        code.line(letDefault(f, needs));
        continue;
      }
      const present = versionCondition(f.versions, scope.ctx);
      if (present === true) {
        code.line(...readFieldStatements(scope, f, scope.ctx, 'declare'));
      } else if (present === false) {
        code.line(`const ${f.local}: ${fieldTsType(f)} = ${defaultExpr(f.default, needs)};`);
      } else {
        code.line(letDefault(f, needs));
        // The local already holds a fresh default: a non-nullable array can be filled in place.
        const mode = f.default.kind === 'emptyArray' && f.nullable === null ? 'fresh' : 'assign';
        emitIf(code, present, readFieldStatements(scope, f, intersect(f.versions, scope.ctx)!, mode));
      }
    }
    emitReadTaggedSection(code, scope, needs);
    emitReturn(code, s);
  });
}

function emitReadTaggedSection(code: Code, scope: StructScope, needs: Needs): void {
  const taggedCtx = scope.taggedContext();
  if (taggedCtx === null) return;
  const tagged = scope.struct.fields.filter((f) => f.tag !== null).sort((a, b) => a.tag! - b.tag!);
  const body = (): void => {
    code.block('for (let numTaggedFields = r.uvarint(); numTaggedFields > 0; numTaggedFields--)', () => {
      code.line('const tag = r.uvarint();', 'const end = r.taggedFieldEnd();');
      code.block('switch (tag)', () => {
        for (const f of tagged) {
          const range = intersect(f.tagged, taggedCtx);
          const known = versionCondition(f.tagged, taggedCtx);
          code.line(`case ${f.tag}: {`);
          code.indented(() => {
            if (range === null || known === false) {
              code.line('r.pos = end; // not defined in this version: skip');
            } else {
              const read = readFieldStatements(scope, f, range, 'assign');
              const skip = 'r.pos = end; // not defined in this version: skip';
              if (known === true) code.line(...read);
              else if (inlineable(read)) code.line(`if (${known}) ${read[0]}`, `else ${skip}`);
              else {
                code.block(`if (${known})`, () => code.line(...read), '} else {');
                code.indented(() => code.line(skip));
                code.line('}');
              }
            }
            code.line('break;');
          });
          code.line('}');
        }
        code.line('default:');
        code.line('  r.pos = end; // unknown tag: skip');
      });
      code.line('r.endTaggedField(end);');
    });
  };
  if (tagged.length === 0) code.line(scope.flex === true ? 'r.skipTaggedFields();' : `if (${scope.flex}) r.skipTaggedFields();`);
  else if (scope.flex === true) body();
  else code.block(`if (${scope.flex})`, body);
}

function emitReturn(code: Code, s: StructDef): void {
  const props = s.fields.map((f) => (f.local === f.name ? f.name : `${f.name}: ${f.local}`));
  const oneLine = `return { ${props.join(', ')} };`;
  if (props.length === 0) code.line('return {};');
  else if (oneLine.length <= 96) code.line(oneLine);
  else {
    code.line('return {');
    code.indented(() => code.line(...props.map((p) => `${p},`)));
    code.line('};');
  }
}

// ---- write ------------------------------------------------------------------------------------

/** Statements writing value `v` (an Input value, never undefined) of field `f` to writer `w`. */
function writeValueStatements(scope: StructScope, f: FieldDef, v: string, range: VersionRange, w: string, needs: Needs): string[] {
  const flex = scope.fieldFlex(f, range);
  const nullableType = f.nullable !== null;
  const t = f.type;
  const scalar = (type: FieldType, val: string, nullable: boolean): string[] => {
    switch (type.kind) {
      case 'string':
        return [nullable
          ? pickStatement(flex, `${w}.compactNullableString(${val});`, `${w}.nullableString(${val});`)
          : pickStatement(flex, `${w}.compactString(${val});`, `${w}.string(${val});`)];
      case 'bytes':
        return [nullable
          ? pickStatement(flex, `${w}.compactNullableBytes(${val});`, `${w}.nullableBytes(${val});`)
          : pickStatement(flex, `${w}.compactBytes(${val});`, `${w}.bytes(${val});`)];
      case 'records': {
        // Records default to null, but some versions cannot carry null: there an absent record
        // set is written as an empty one.
        const nc = versionCondition(f.nullable, range);
        if (nc === false) {
          needs.helpers.add('EMPTY_BUFFER');
          return [pickStatement(flex, `${w}.compactBytes(${val} ?? EMPTY_BUFFER);`, `${w}.bytes(${val} ?? EMPTY_BUFFER);`)];
        }
        let rv = val;
        if (nc !== true) {
          needs.helpers.add('EMPTY_BUFFER');
          rv = `${nc} ? ${val} : ${val} ?? EMPTY_BUFFER`;
        }
        return [pickStatement(flex, `${w}.compactNullableBytes(${rv});`, `${w}.nullableBytes(${rv});`)];
      }
      case 'struct': {
        const call = `${writeFunctionName(type.struct)}(${w}, ${val}, version);`;
        if (!nullable) return [call];
        const nc = versionCondition(f.nullable, range);
        const marker = nc === true ? [`  ${w}.int8(1);`] : [`  if (${nc}) ${w}.int8(1);`];
        return [`if (${val} === null) ${w}.int8(-1);`, 'else {', ...marker, `  ${call}`, '}'];
      }
      case 'array':
        throw new Error('nested arrays are not supported');
      default:
        return [`${w}.${type.kind}(${val});`];
    }
  };
  if (t.kind !== 'array') return scalar(t, v, nullableType);

  const count = nullableType ? `${v} === null ? -1 : ${v}.length` : `${v}.length`;
  const lines = [pickStatement(flex, `${w}.compactArrayLength(${count});`, `${w}.arrayLength(${count});`)];
  const elem = scalar(t.element, 'e', false);
  const loop = elem.length === 1 && !elem[0].startsWith('if ') ? `for (const e of ${v}) ${elem[0]}` : `for (const e of ${v}) { ${elem.join(' ')} }`;
  lines.push(nullableType ? `if (${v} !== null) ${loop}` : loop);
  return lines;
}

function emitWriteFunction(code: Code, scope: StructScope, needs: Needs): void {
  const s = scope.struct;
  const msg = quote(s.isRoot ? s.tsName : `${scope.message.name}.${s.schemaName}`);
  const exported = s.isRoot ? 'export ' : '';
  code.line('');
  code.block(`${exported}function ${writeFunctionName(s)}(w: Writer, m: Input<${s.tsName}>, version: number): void`, () => {
    if (scope.flexDecl) code.line(scope.flexDecl);
    for (const f of s.fields) if (f.tag === null) emitWritePositional(code, scope, f, msg, needs);
    emitWriteTaggedSection(code, scope, msg, needs);
  });
}

function emitWritePositional(code: Code, scope: StructScope, f: FieldDef, msg: string, needs: Needs): void {
  const present = versionCondition(f.versions, scope.ctx);
  const range = intersect(f.versions, scope.ctx);
  const x = f.local;
  const notInVersion = `throw fieldNotInVersion(${msg}, ${quote(f.name)}, version);`;
  if (present === false || range === null) {
    if (!f.ignorable) {
      needs.helpers.add('fieldNotInVersion');
      code.line(`if (m.${f.name} !== undefined && ${nonDefaultTest(f, `m.${f.name}`, needs)}) ${notInVersion}`);
    }
    return;
  }
  // A null check is needed when the field is nullable in some but not all of these versions.
  const notNullable = f.type.kind === 'records' || f.nullable === null ? false : notVersionCondition(f.nullable, range);
  const body: string[] = [];
  if (notNullable !== false) {
    needs.helpers.add('nullNotAllowed');
    const paren = (c: string): string => (c.includes('||') ? `(${c})` : c);
    const test = notNullable === true ? `${x} === null` : `${x} === null && ${paren(notNullable)}`;
    body.push(`if (${test}) throw nullNotAllowed(${msg}, ${quote(f.name)}, version);`);
  }
  const write = writeValueStatements(scope, f, x, range, 'w', needs);
  body.push(...write);
  const checkAbsent = present !== true && !f.ignorable;
  // Simple case: one statement using the value once — inline the input expression.
  if (body.length === 1 && !checkAbsent && write[0].split(`(${x})`).length === 2 && f.type.kind !== 'struct') {
    const inlined = write[0].replace(`(${x})`, `(${inputExpr(f, needs)})`);
    if (present === true) code.line(inlined);
    else emitIf(code, present, [inlined]);
    return;
  }
  code.line(`const ${x} = ${inputExpr(f, needs)};`);
  if (present === true) {
    code.line(...body);
    return;
  }
  if (!checkAbsent) {
    emitIf(code, present, body);
    return;
  }
  needs.helpers.add('fieldNotInVersion');
  const absent = `else if (${nonDefaultTest(f, x, needs)}) ${notInVersion}`;
  if (inlineable(body)) code.line(`if (${present}) ${body[0]}`, absent);
  else {
    code.block(`if (${present})`, () => code.line(...body), `} ${absent}`);
  }
}

function emitWriteTaggedSection(code: Code, scope: StructScope, msg: string, needs: Needs): void {
  const taggedCtx = scope.taggedContext();
  const tagged = scope.struct.fields.filter((f) => f.tag !== null).sort((a, b) => a.tag! - b.tag!);
  const written: { f: FieldDef; has: string; range: VersionRange }[] = [];
  const taken = new Set(scope.struct.fields.map((f) => f.local));
  for (const f of tagged) {
    const x = f.local;
    code.line(`const ${x} = ${inputExpr(f, needs)};`);
    // Evaluated inside `if (flexible)`, so only the tagged versions among the flexible ones matter.
    const cond = taggedCtx === null ? false : versionCondition(f.tagged, taggedCtx);
    if (!f.ignorable) {
      const absent = notVersionCondition(f.tagged, scope.ctx);
      if (absent !== false) {
        needs.helpers.add('fieldNotInVersion');
        code.line(`if (${and(absent, nonDefaultTest(f, x, needs))}) throw fieldNotInVersion(${msg}, ${quote(f.name)}, version);`);
      }
    }
    const range = intersect(f.tagged, scope.ctx);
    if (cond === false || range === null) continue;
    const has = `has${capitalize(f.name)}`;
    if (taken.has(has)) throw new Error(`${msg}: local ${has} collides with a field`);
    // Tagged fields are written only when they differ from their default.
    code.line(`const ${has} = ${and(cond, nonDefaultTest(f, x, needs))};`);
    written.push({ f, has, range });
  }
  if (taggedCtx === null) return;
  if (written.length === 0) {
    const none = 'w.uvarint(0); // no tagged fields';
    code.line(scope.flex === true ? none : `if (${scope.flex}) ${none}`);
    return;
  }
  const body = (): void => {
    const counts = written.map(({ has }) => `${has} ? 1 : 0`);
    code.line(`w.uvarint(${counts.length === 1 ? counts[0] : counts.map((c) => `(${c})`).join(' + ')});`);
    for (const { f, has, range } of written) {
      const lines = writeValueStatements(scope, f, f.local, range, 't', needs);
      if (lines.length === 1) code.line(`if (${has}) w.taggedField(${f.tag}, (t) => ${lines[0].replace(/;$/, '')});`);
      else {
        code.line(`if (${has}) {`);
        code.indented(() => code.block(`w.taggedField(${f.tag}, (t) =>`, () => code.line(...lines), '});'));
        code.line('}');
      }
    }
  };
  if (scope.flex === true) body();
  else code.block(`if (${scope.flex})`, body);
}

// ---- per-struct default helpers -----------------------------------------------------------------

/** Emits the `default…()` / `isDefault…()` helpers requested so far (and those they need). */
export function emitDefaultHelpers(code: Code, needs: Needs): void {
  const doneDefaults = new Set<StructDef>();
  const doneIsDefaults = new Set<StructDef>();
  for (;;) {
    const d = [...needs.defaults].find((s) => !doneDefaults.has(s));
    if (d) {
      doneDefaults.add(d);
      code.line('');
      code.block(`function ${defaultFunctionName(d)}(): ${d.tsName}`, () => {
        const props = d.fields.map((f) => `${f.name}: ${defaultExpr(f.default, needs)}`);
        if (props.length === 0) code.line('return {};');
        else {
          code.line('return {');
          code.indented(() => code.line(...props.map((p) => `${p},`)));
          code.line('};');
        }
      });
      continue;
    }
    const i = [...needs.isDefaults].find((s) => !doneIsDefaults.has(s));
    if (i) {
      doneIsDefaults.add(i);
      code.line('');
      code.block(`function ${isDefaultFunctionName(i)}(m: Input<${i.tsName}>): boolean`, () => {
        const tests = i.fields.map((f) => `(m.${f.name} === undefined || ${isDefaultTest(f, `m.${f.name}`, needs)})`);
        if (tests.length === 0) code.line('return true;');
        else {
          code.line('return (');
          code.indented(() => code.line(...tests.map((t, k) => (k < tests.length - 1 ? `${t} &&` : t))));
          code.line(');');
        }
      });
      continue;
    }
    break;
  }
}

/** Read and write functions of every struct of `message`, the message's own pair first. */
export function emitCodec(code: Code, message: MessageDef, needs: Needs): void {
  for (const s of [message.root, ...message.structs]) {
    const scope = new StructScope(message, s);
    emitReadFunction(code, scope, needs);
    emitWriteFunction(code, scope, needs);
  }
}
