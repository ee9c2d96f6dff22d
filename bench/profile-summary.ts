// Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and ranks functions by self time, plus a
// coarser split by where the code lives (a package, node internals, Cairn's own files, GC).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface SelfTime {
  readonly name: string;
  readonly where: string;
  readonly selfMs: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  /** Sampled time not idle: shares below are of this, so they say where the CPU went. */
  readonly busyMs: number;
  readonly functions: SelfTime[];
  readonly byOrigin: SelfTime[];
}

/** The newest .cpuprofile in `dir`, or undefined. */
export function newestProfile(dir: string): string | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return undefined;
  }
  return files
    .map((f) => path.join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

function shortUrl(url: string, root: string): string {
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  return file.startsWith(root) ? path.relative(root, file) : file;
}

/** node_modules/<pkg> (scoped too), node internals, Cairn's files by top directory, or V8's own. */
function origin(where: string, name: string): string {
  if (where === '') return name.startsWith('(') ? name : '(native)';
  const mod = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where);
  if (mod?.[1] !== undefined) return mod[1];
  if (where.startsWith('node:')) return 'node internals';
  return `cairn ${where.split('/')[0] ?? where}/`;
}

export function summarizeProfile(file: string, root: string, top: number): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const totalHits = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const msPerHit = totalHits > 0 ? totalMs / totalHits : 0;
  const idleHits = profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').reduce((a, n) => a + (n.hitCount ?? 0), 0);
  const busyHits = totalHits - idleHits;
  const fns = new Map<string, { name: string; where: string; hits: number }>();
  const origins = new Map<string, number>();
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0 || n.callFrame.functionName === '(idle)') continue;
    const name = n.callFrame.functionName === '' ? '(anonymous)' : n.callFrame.functionName;
    const url = shortUrl(n.callFrame.url, root);
    const where = url === '' ? '' : `${url}:${n.callFrame.lineNumber + 1}`;
    const key = `${name}\u0000${where}`;
    const f = fns.get(key) ?? { name, where, hits: 0 };
    f.hits += hits;
    fns.set(key, f);
    const o = origin(url, name);
    origins.set(o, (origins.get(o) ?? 0) + hits);
  }
  const share = (hits: number): number => (busyHits > 0 ? hits / busyHits : 0);
  return {
    file,
    totalMs,
    busyMs: busyHits * msPerHit,
    functions: [...fns.values()]
      .sort((a, b) => b.hits - a.hits)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: f.hits * msPerHit, share: share(f.hits) })),
    byOrigin: [...origins]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([o, hits]) => ({ name: o, where: '', selfMs: hits * msPerHit, share: share(hits) })),
  };
}
