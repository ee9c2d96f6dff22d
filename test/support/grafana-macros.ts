// The ClickHouse plugin's SQL macros, expanded as its backend does (grafana-clickhouse-datasource
// pkg/macros/macros.go, through sqlutil.Interpolate of grafana-plugin-sdk-go data/sqlutil/macros.go):
// macro names longest first, arguments only when "(" follows the name at once, split on commas at
// depth 1; every occurrence of the same text replaced at once. Plus sqlutil's default macros for
// names the plugin does not define.
import { formatInterval } from './grafana-durations.ts';
import { interpolateClickHouseQuery } from './grafana-template.ts';
import type { Variables } from './grafana-template.ts';

export interface QueryContext {
  readonly fromMs: number;
  readonly toMs: number;
  /** The panel's interval (Grafana's query.Interval). */
  readonly intervalMs: number;
  readonly table?: string;
  readonly column?: string;
}

type Macro = (q: QueryContext, args: readonly string[]) => string;

// Go's t.Unix() and t.UnixMilli() (floors for times after 1970).
const toDateTime = (ms: number): string => `toDateTime(${Math.floor(ms / 1000)})`;
const toDateTime64 = (ms: number): string => `fromUnixTimestamp64Milli(${Math.floor(ms)})`;
// t.Format("2006-01-02") in the plugin process's zone; Grafana containers run in UTC.
const toDate = (ms: number): string => `toDate('${new Date(ms).toISOString().slice(0, 10)}')`;
const rfc3339 = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

function arity(name: string, args: readonly string[], n: number): void {
  if (args.length !== n) throw new Error(`$__${name}: unexpected number of arguments: expected ${n} argument, received ${args.length}`);
}

const one =
  (name: string, f: (q: QueryContext, column: string) => string): Macro =>
  (q, args) => {
    arity(name, args, 1);
    return f(q, args[0] ?? '');
  };

const seconds = (q: QueryContext): number => Math.trunc(Math.max(q.intervalMs / 1000, 1));

/** pkg/macros/macros.go `Macros`. */
const PLUGIN_MACROS: Readonly<Record<string, Macro>> = {
  fromTime: (q) => toDateTime(q.fromMs),
  toTime: (q) => toDateTime(q.toMs),
  fromTime_ms: (q) => toDateTime64(q.fromMs),
  toTime_ms: (q) => toDateTime64(q.toMs),
  timeFilter: one('timeFilter', (q, c) => `${c} >= ${toDateTime(q.fromMs)} AND ${c} <= ${toDateTime(q.toMs)}`),
  timeFilter_ms: one('timeFilter_ms', (q, c) => `${c} >= ${toDateTime64(q.fromMs)} AND ${c} <= ${toDateTime64(q.toMs)}`),
  dateFilter: one('dateFilter', (q, c) => `${c} >= ${toDate(q.fromMs)} AND ${c} <= ${toDate(q.toMs)}`),
  dateTimeFilter: (q, args) => dateTimeFilter('dateTimeFilter', q, args),
  dt: (q, args) => dateTimeFilter('dt', q, args),
  timeInterval: one('timeInterval', (q, c) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${seconds(q)} second)`),
  timeInterval_ms: one('timeInterval_ms', (q, c) => `toStartOfInterval(toDateTime64(${c}, 3), INTERVAL ${Math.trunc(Math.max(q.intervalMs, 1))} millisecond)`),
  interval_s: (q) => String(seconds(q)),
};

function dateTimeFilter(name: string, q: QueryContext, args: readonly string[]): string {
  arity(name, args, 2);
  const [d, t] = args;
  return `(${d} >= ${toDate(q.fromMs)} AND ${d} <= ${toDate(q.toMs)}) AND (${t} >= ${toDateTime(q.fromMs)} AND ${t} <= ${toDateTime(q.toMs)})`;
}

/** sqlutil.DefaultMacros, used for names the plugin leaves undefined. */
const DEFAULT_MACROS: Readonly<Record<string, Macro>> = {
  interval: (q) => formatInterval(q.intervalMs),
  interval_ms: (q) => String(Math.trunc(q.intervalMs)),
  timeFilter: one('timeFilter', (q, c) => `${c} >= '${rfc3339(q.fromMs)}' AND ${c} <= '${rfc3339(q.toMs)}'`),
  timeFrom: one('timeFrom', (q, c) => `${c} >= '${rfc3339(q.fromMs)}'`),
  timeTo: one('timeTo', (q, c) => `${c} <= '${rfc3339(q.toMs)}'`),
  timeGroup: (_q, args) => {
    arity('timeGroup', args, 2);
    const [c, period] = args;
    const parts = ['minute', 'hour', 'day', 'month', 'year'];
    const from = parts.indexOf(period ?? '');
    return from === -1 ? '' : parts.slice(from).map((p) => `datepart(${p}, ${c})`).join(',');
  },
  table: (q) => q.table ?? '',
  column: (q) => q.column ?? '',
};

export const MACROS: Readonly<Record<string, Macro>> = { ...DEFAULT_MACROS, ...PLUGIN_MACROS };

/** sqlutil parseArgs: arguments only if "(" is the next character; null when the bracket never closes. */
function parseArgs(rest: string): { args: string[]; length: number } | null {
  if (!rest.startsWith('(')) return { args: [], length: 0 };
  const args: string[] = [];
  let depth = 0;
  let arg = '';
  for (let i = 0; i < rest.length; i++) {
    const c = rest.charAt(i);
    if (c === '(' && ++depth === 1) continue;
    if (c === ')' && --depth === 0) {
      args.push(arg.trim());
      return { args, length: i + 1 };
    }
    if (c === ',' && depth === 1) {
      args.push(arg.trim());
      arg = '';
      continue;
    }
    arg += c;
  }
  return null;
}

/** sqlutil.Interpolate with the plugin's macros. */
export function expandMacros(sql: string, q: QueryContext): string {
  let out = sql;
  const names = Object.keys(MACROS).sort((a, b) => b.length - a.length);
  for (const name of names) {
    const macro = MACROS[name];
    if (macro === undefined) continue;
    const matches: Array<{ full: string; args: string[] }> = [];
    for (const m of out.matchAll(new RegExp(`\\$__${name}\\b`, 'g'))) {
      const end = m.index + m[0].length;
      const parsed = parseArgs(out.slice(end));
      if (parsed === null) throw new Error(`$__${name}: failed to parse macro arguments (missing close bracket?)`);
      matches.push({ full: out.slice(m.index, end + parsed.length), args: parsed.args });
    }
    for (const match of matches) out = out.split(match.full).join(macro(q, match.args));
  }
  return out;
}

/** Panel SQL as ClickHouse receives it from Grafana: variables in the browser, then the macros. */
export function expandClickHouseSql(rawSql: string, vars: Variables, q: QueryContext): string {
  return expandMacros(interpolateClickHouseQuery(rawSql, vars), q);
}
