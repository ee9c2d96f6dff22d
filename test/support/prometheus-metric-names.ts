// The Prometheus series names Cairn's services can expose, read from the code that defines them
// (prom-client metric constructors under collector/, query/ and common/) plus prom-client's default
// metrics as createRegistry registers them. Dashboards and alert rules may use no other cairn_ name.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../deploy/local/paths.ts';
import { createRegistry } from '../../common/runtime/metrics.ts';

const SOURCE_DIRS = ['collector', 'query', 'common'];
// `new Counter({ name: 'cairn_x'` with any whitespace between; every definition in the code has this shape.
const DEFINITION = /new (Counter|Gauge|Histogram|Summary)\(\{\s*name: '(cairn_[a-z0-9_]+)'/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

function seriesOf(name: string, type: string): string[] {
  if (type === 'histogram') return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === 'summary') return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

/** Every series name (histograms as their _bucket/_sum/_count series). */
export async function exposedSeriesNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const file of SOURCE_DIRS.flatMap((d) => sources(join(REPO_ROOT, d)))) {
    for (const m of readFileSync(file, 'utf8').matchAll(DEFINITION)) {
      for (const s of seriesOf(m[2] ?? '', (m[1] ?? '').toLowerCase())) names.add(s);
    }
  }
  for (const m of await createRegistry('catalogue').getMetricsAsJSON()) for (const s of seriesOf(m.name, String(m.type))) names.add(s);
  return names;
}

/** The cairn_ series names a PromQL expression reads. */
export const seriesNamesIn = (expr: string): string[] => [...new Set(expr.match(/\bcairn_[a-z0-9_]+\b/g) ?? [])];
