// npx tsx bench/top-functions.ts <file.cpuprofile> [--top 30] [--files] [--callers <function name>] [--phase <text>]
//
// --phase keeps only the samples taken while a workload ran: the bench writes <profile>.phases.json
// next to each profile (labels and µs of the monotonic clock CPU profiles are stamped with), and
// every window whose label contains <text> is kept (e.g. --phase max, --phase "catch-up from cache").
// The hot path of a V8 CPU profile (node --cpu-prof) without a GUI: the functions with the most
// self time (time on top of the stack), with their inclusive time, then self time summed per file.
// Self time comes from the sample time deltas, so it is in milliseconds of the profiled run.
//
// Locations: the bench runs the compiled broker (dist/**/*.js), whose positions are mapped back to
// the TypeScript line through tsc's source maps (<file>.js.map). A profile of code run under tsx
// has positions in esbuild's output (minifyWhitespace: one line per file); when esbuild (tsx's own
// dependency) can be loaded, those are mapped by compiling the file again with the options tsx
// uses. Anonymous functions are shown by their source line.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Window {
  label: string;
  startUs: number;
  endUs: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface FunctionTime {
  name: string;
  where: string;
  selfMs: number;
  totalMs: number;
}

type Transform = (code: string, options: Record<string, unknown>) => { code: string; map: string };

/** esbuild's transformSync, when it can be loaded (it comes with tsx). */
async function loadTransform(): Promise<Transform | null> {
  try {
    const esbuild = (await import('esbuild' as string)) as { transformSync: Transform };
    return esbuild.transformSync;
  } catch {
    return null;
  }
}

interface Mapper {
  map(file: string, line: number, column: number): { file: string; line: number; text: string } | null;
}

type SourceMapPayload = ConstructorParameters<typeof SourceMap>[0];

interface MappedFile {
  map: SourceMap;
  /** The TypeScript file the positions map to, and its lines. */
  source: string;
  lines: string[];
}

/** tsc's output: `<file>.js.map` beside it names the .ts source. */
function compiledMap(file: string): MappedFile {
  const payload = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload & { sources: string[]; sourceRoot?: string };
  const source = resolve(dirname(file), payload.sourceRoot ?? '', payload.sources[0]);
  return { map: new SourceMap(payload), source, lines: readFileSync(source, 'utf8').split('\n') };
}

/** tsx's output: esbuild run again over the .ts file with the options tsx uses. */
function recompiledMap(file: string, transform: Transform): MappedFile {
  const source = readFileSync(file, 'utf8');
  const out = transform(source, {
    loader: 'ts',
    format: 'esm',
    target: `node${process.versions.node}`,
    sourcemap: 'external',
    minifyWhitespace: true,
    keepNames: true,
    sourcefile: file,
  });
  return { map: new SourceMap(JSON.parse(out.map) as SourceMapPayload), source: file, lines: source.split('\n') };
}

function sourceMapper(transform: Transform | null): Mapper {
  const maps = new Map<string, MappedFile | null>();
  return {
    map(file, line, column) {
      let entry = maps.get(file);
      if (entry === undefined) {
        try {
          if (/\.js$/.test(file)) entry = compiledMap(file);
          else if (transform && /\.(ts|mts|cts)$/.test(file)) entry = recompiledMap(file, transform);
          else entry = null;
        } catch {
          entry = null; // no source map, or its source is gone: show the raw position
        }
        maps.set(file, entry);
      }
      if (!entry) return null;
      const found = entry.map.findEntry(line, column) as { originalLine?: number };
      if (found.originalLine === undefined) return null;
      return { file: entry.source, line: found.originalLine + 1, text: (entry.lines[found.originalLine] ?? '').trim() };
    },
  };
}

let mapper: Mapper = sourceMapper(null);

function location(frame: CallFrame): string {
  if (frame.url === '') return '(native)';
  if (!frame.url.startsWith('file://')) return `${frame.url}:${frame.lineNumber + 1}`;
  const file = fileURLToPath(frame.url);
  const mapped = mapper.map(file, frame.lineNumber, frame.columnNumber);
  if (mapped) return `${relative(process.cwd(), mapped.file)}:${mapped.line}`;
  return `${relative(process.cwd(), file)}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`;
}

function label(frame: CallFrame): string {
  if (frame.functionName !== '') return frame.functionName;
  if (frame.url.startsWith('file://')) {
    const mapped = mapper.map(fileURLToPath(frame.url), frame.lineNumber, frame.columnNumber);
    if (mapped) return `(anonymous: ${mapped.text.slice(0, 60)})`;
  }
  return '(anonymous)';
}

function fileOf(frame: CallFrame): string {
  if (frame.url === '') return '(native / V8)';
  return frame.url.startsWith('file://') ? relative(process.cwd(), fileURLToPath(frame.url)) : frame.url;
}

/**
 * Who calls a function: for the samples whose leaf function is named `name`, self time by the
 * nearest calling frames in the project's own code (not node: internals or node_modules).
 */
function callers(profile: CpuProfile, name: string, keep: (i: number) => boolean): Map<string, number> {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const out = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const leaf = byId.get(profile.samples[i]);
    if (!keep(i) || !leaf || label(leaf.callFrame) !== name) continue;
    const chain: string[] = [];
    for (let id = parent.get(leaf.id); id !== undefined && chain.length < 3; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (f.url.startsWith('file://') && !f.url.includes('/node_modules/')) chain.push(`${label(f)} (${location(f)})`);
    }
    const k = chain.length > 0 ? chain.join('  ←  ') : '(no project frame)';
    out.set(k, (out.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  return out;
}

/** Self and inclusive time per function (name + location), and self time per file. */
function analyze(profile: CpuProfile, keep: (i: number) => boolean): { functions: FunctionTime[]; files: Map<string, number>; totalMs: number } {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const keyOf = (n: ProfileNode): string => `${label(n.callFrame)}\u0000${location(n.callFrame)}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const files = new Map<string, number>();
  let totalMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the time since the previous sample; it belongs to sample i (as DevTools does).
    if (!keep(i)) continue;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    const leaf = byId.get(profile.samples[i]);
    if (!leaf) continue;
    const k = keyOf(leaf);
    self.set(k, (self.get(k) ?? 0) + ms);
    const file = fileOf(leaf.callFrame);
    files.set(file, (files.get(file) ?? 0) + ms);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const kk = keyOf(byId.get(id)!);
      if (seen.has(kk)) continue;
      seen.add(kk);
      total.set(kk, (total.get(kk) ?? 0) + ms);
    }
  }
  const functions = [...self.entries()].map(([k, selfMs]) => {
    const [name, where] = k.split('\u0000');
    return { name, where, selfMs, totalMs: total.get(k) ?? selfMs };
  });
  functions.sort((a, b) => b.selfMs - a.selfMs);
  return { functions, files, totalMs };
}

/** Which samples to count: all, or those inside the workload windows whose label contains `phase`. */
function sampleFilter(profile: CpuProfile, file: string, phase: string | undefined): (i: number) => boolean {
  let windows: Window[] = [];
  try {
    windows = JSON.parse(readFileSync(`${file}.phases.json`, 'utf8')) as Window[];
  } catch {
    if (phase !== undefined) throw new Error(`--phase needs ${file}.phases.json (written by npm run bench -- --cpu-prof)`);
  }
  if (windows.length > 0) {
    console.log('workloads in this profile (use --phase <text>):');
    for (const w of windows) console.log(`  ${((w.startUs - profile.startTime) / 1e6).toFixed(1).padStart(6)}–${((w.endUs - profile.startTime) / 1e6).toFixed(1)} s  ${w.label}`);
  }
  if (phase === undefined) return () => true;
  const chosen = windows.filter((w) => w.label.includes(phase));
  if (chosen.length === 0) throw new Error(`no workload label contains "${phase}"`);
  console.log(`counting only: ${chosen.map((w) => w.label).join('; ')}\n`);
  // Sample i was taken at startTime + the sum of the deltas up to i.
  const at = new Float64Array(profile.samples.length);
  let t = profile.startTime;
  for (let i = 0; i < at.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    at[i] = t;
  }
  return (i) => chosen.some((w) => at[i] >= w.startUs && at[i] <= w.endUs);
}

async function main(): Promise<void> {
  mapper = sourceMapper(await loadTransform());
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' }, files: { type: 'boolean', default: false }, callers: { type: 'string', multiple: true }, phase: { type: 'string' } } });
  if (positionals.length !== 1) {
    process.stderr.write('usage: npx tsx bench/top-functions.ts <file.cpuprofile> [--top N] [--files] [--callers <function name>]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as CpuProfile;
  if (!Array.isArray(profile.nodes) || !Array.isArray(profile.samples) || profile.samples.length === 0) {
    // A worker that ran no JavaScript while profiled writes a profile without samples.
    console.log(`${positionals[0]}: no samples`);
    return;
  }
  const keep = sampleFilter(profile, positionals[0], values.phase);
  const { functions, files, totalMs } = analyze(profile, keep);
  if (totalMs === 0) {
    console.log(`${positionals[0]}: no samples${values.phase ? ` in "${values.phase}"` : ''}`);
    return;
  }
  const top = Number(values.top);
  const pct = (ms: number): string => `${((ms / totalMs) * 100).toFixed(1).padStart(5)}%`;
  const idle = functions.filter((f) => f.name === '(idle)').reduce((s, f) => s + f.selfMs, 0);
  console.log(`${positionals[0]}: ${(totalMs / 1000).toFixed(1)} s sampled, ${pct(totalMs - idle)} busy (not idle)`);
  console.log(`\n  self ms   self%  total ms  function  (location)`);
  for (const f of functions.slice(0, top)) {
    console.log(`${f.selfMs.toFixed(0).padStart(9)}  ${pct(f.selfMs)}  ${f.totalMs.toFixed(0).padStart(8)}  ${f.name}  (${f.where})`);
  }
  for (const name of values.callers ?? []) {
    console.log(`\n  self ms of ${name}, by its nearest callers in the project`);
    for (const [chain, ms] of [...callers(profile, name, keep).entries()].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
      console.log(`${ms.toFixed(0).padStart(9)}  ${chain}`);
    }
  }
  if (values.files) {
    console.log(`\n  self ms   self%  file`);
    for (const [file, ms] of [...files.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${ms.toFixed(0).padStart(9)}  ${pct(ms)}  ${file}`);
    }
  }
}

await main();
