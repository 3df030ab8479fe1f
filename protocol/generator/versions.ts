// Kafka version ranges ("0+", "3-7", "5", "none") and the `if (version ...)` conditions derived
// from them.

/** The highest version an open range ("N+") reaches: versions are int16 on the wire. */
export const MAX_VERSION = 0x7fff;

/** An inclusive range of versions. `null` stands for "none" wherever a range is optional. */
export interface VersionRange {
  readonly lo: number;
  readonly hi: number;
}

export function parseVersions(text: string): VersionRange | null {
  const s = text.trim();
  if (s === 'none') return null;
  let m = /^(\d+)\+$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: MAX_VERSION };
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m) {
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    if (hi < lo) throw new Error(`invalid version range ${JSON.stringify(text)}`);
    return { lo, hi };
  }
  m = /^(\d+)$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: Number(m[1]) };
  throw new Error(`invalid version range ${JSON.stringify(text)}`);
}

export function formatVersions(r: VersionRange | null): string {
  if (r === null) return 'none';
  if (r.hi === MAX_VERSION) return `${r.lo}+`;
  if (r.lo === r.hi) return `${r.lo}`;
  return `${r.lo}-${r.hi}`;
}

export function intersect(a: VersionRange | null, b: VersionRange | null): VersionRange | null {
  if (a === null || b === null) return null;
  const lo = Math.max(a.lo, b.lo);
  const hi = Math.min(a.hi, b.hi);
  return lo <= hi ? { lo, hi } : null;
}

/** The smallest range covering both (ranges used together are contiguous in practice). */
export function hull(a: VersionRange | null, b: VersionRange | null): VersionRange | null {
  if (a === null) return b;
  if (b === null) return a;
  return { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };
}

export function contains(r: VersionRange | null, v: number): boolean {
  return r !== null && v >= r.lo && v <= r.hi;
}

/**
 * A TypeScript condition that is true for the versions of `range`, knowing that the code only
 * runs for versions in `context`. Returns `true`/`false` when the answer does not depend on the
 * version, so the emitter can drop the `if`.
 */
export function versionCondition(range: VersionRange | null, context: VersionRange, v = 'version'): string | boolean {
  const r = intersect(range, context);
  if (r === null) return false;
  const needLo = r.lo > context.lo;
  const needHi = r.hi < context.hi;
  if (!needLo && !needHi) return true;
  if (r.lo === r.hi) return `${v} === ${r.lo}`;
  if (needLo && needHi) return `${v} >= ${r.lo} && ${v} <= ${r.hi}`;
  return needLo ? `${v} >= ${r.lo}` : `${v} <= ${r.hi}`;
}

/** The negation of `versionCondition`, written without `!(...)` where possible. */
export function notVersionCondition(range: VersionRange | null, context: VersionRange, v = 'version'): string | boolean {
  const r = intersect(range, context);
  if (r === null) return true;
  const needLo = r.lo > context.lo;
  const needHi = r.hi < context.hi;
  if (!needLo && !needHi) return false;
  if (r.lo === r.hi && needLo && needHi) return `${v} !== ${r.lo}`;
  if (needLo && needHi) return `${v} < ${r.lo} || ${v} > ${r.hi}`;
  return needLo ? `${v} < ${r.lo}` : `${v} > ${r.hi}`;
}
