// fast-check arbitraries for protocol messages, built from protocol/generated/schema-info.ts.
// A generated message is valid for its version: fields absent in that version hold their default,
// nullable fields are sometimes null, tagged fields are often (not always) at their default.

import fc from 'fast-check';
import {
  messageInfos,
  type DefaultInfo,
  type MessageInfo,
  type TypeInfo,
  type VersionSpan,
} from '../../protocol/generated/schema-info.js';

export function inSpan(span: VersionSpan | null, v: number): boolean {
  return span !== null && v >= span[0] && v <= span[1];
}

export function messageInfo(name: string): MessageInfo {
  const m = messageInfos[name];
  if (!m) throw new Error(`no schema info for ${name}`);
  return m;
}

export function defaultValue(msg: MessageInfo, d: DefaultInfo): unknown {
  if (d === null || typeof d !== 'object') return d;
  if ('emptyArray' in d) return [];
  if ('emptyBytes' in d) return Buffer.alloc(0);
  return defaultStruct(msg, d.struct);
}

export function defaultStruct(msg: MessageInfo, name: string): Record<string, unknown> {
  const s = msg.structs[name];
  return Object.fromEntries(s.fields.map((f) => [f.name, defaultValue(msg, f.default)]));
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
export const uuidArb: fc.Arbitrary<string> = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
  const h = Array.from(b, (x) => HEX[x]).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
});

const bufferArb = (maxLength: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));

function valueArb(msg: MessageInfo, t: TypeInfo, version: number, depth: number): fc.Arbitrary<unknown> {
  switch (t.kind) {
    case 'bool':
      return fc.boolean();
    case 'int8':
      return fc.integer({ min: -0x80, max: 0x7f });
    case 'int16':
      return fc.integer({ min: -0x8000, max: 0x7fff });
    case 'uint16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'int32':
      return fc.integer({ min: -0x80000000, max: 0x7fffffff });
    case 'uint32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'int64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'float64':
      return fc.double(); // NaN, ±0 and ±Infinity included: all survive a float64 round trip
    case 'uuid':
      return uuidArb;
    case 'string':
      return fc.string({ unit: 'binary', maxLength: 6 }); // any code point, so multi-byte UTF-8 too
    case 'bytes':
    case 'records':
      return bufferArb(24);
    case 'array':
      return fc.array(valueArb(msg, t.element, version, depth + 1), { maxLength: depth >= 2 ? 1 : 3 });
    case 'struct':
      return structArb(msg, t.struct, version, depth + 1);
  }
}

/** Random values of struct `name` (an interface name) of `msg`, valid in `version`. */
export function structArb(msg: MessageInfo, name: string, version: number, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const s = msg.structs[name];
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of s.fields) {
    const dflt = defaultValue(msg, f.default);
    if (!inSpan(f.versions, version)) {
      // Absent in this version: the decoder fills in the default, so the message must hold it.
      fields[f.name] = fc.constant(dflt);
      continue;
    }
    let a = valueArb(msg, f.type, version, depth);
    if (inSpan(f.nullableVersions, version)) a = fc.option(a, { nil: null, freq: 3 });
    // Tagged fields equal to their default are not written at all: exercise both cases.
    if (f.tag !== null) a = fc.oneof(fc.constant(dflt), a);
    fields[f.name] = a;
  }
  // fc.record builds null-prototype objects; decoders build plain ones (deepStrictEqual cares).
  return fc.record(fields).map((o) => ({ ...o }));
}

/** Random whole messages (request or response body) of `messageName` in `version`. */
export function messageArb(messageName: string, version: number): fc.Arbitrary<Record<string, unknown>> {
  const msg = messageInfo(messageName);
  return structArb(msg, msg.root, version);
}
