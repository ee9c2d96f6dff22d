// Checks of a dashboard that its TypeScript type cannot express: stable uid, unique panel ids, a
// grid that fits 24 columns without overlaps, datasources that are provisioned, variables that are
// defined (before use), refIds, query formats, and macros that work on ClickHouse 18.16 and in
// every version of the plugin's macro parser. Each returns problems; none means the dashboard passes.
import { defaultDashboard } from '@grafana/schema';
import { SQL_TABLES } from '../../query/sql/guard.ts';
import { parseDuration } from './grafana-durations.ts';
import { CLICKHOUSE_UID, allPanels, isClickHouse, isPrometheus, panelTargets, variablesOf } from './grafana-dashboards.ts';
import type { DashboardFile, PanelJson } from './grafana-dashboards.ts';
import { seriesNamesIn } from './prometheus-metric-names.ts';

export interface Problem {
  readonly check: string;
  readonly where: string;
  readonly message: string;
}

export interface CheckContext {
  /** Provisioned datasources: uid -> plugin type. */
  readonly datasources: ReadonlyMap<string, string>;
  /** Series names the services expose (prometheus-metric-names.ts). */
  readonly series: ReadonlySet<string>;
}

const GRID_COLUMNS = 24;
const OLDEST_SCHEMA_VERSION = 39;
const VARIABLE_REFERENCE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

/** The plugin macros the dashboards may use; the others do not run on ClickHouse 18.16. */
const CLICKHOUSE_MACROS = new Set(['timeFilter', 'fromTime', 'toTime', 'dateFilter', 'dateTimeFilter', 'dt', 'interval_s', 'conditionalAll']);
const REFUSED_MACROS: Readonly<Record<string, string>> = {
  timeFilter_ms: 'it expands to fromUnixTimestamp64Milli, which ClickHouse 18.16 lacks',
  fromTime_ms: 'it expands to fromUnixTimestamp64Milli, which ClickHouse 18.16 lacks',
  toTime_ms: 'it expands to fromUnixTimestamp64Milli, which ClickHouse 18.16 lacks',
  timeInterval: 'it expands to toStartOfInterval, which ClickHouse 18.16 lacks; bucket with intDiv(toUInt32(col), $__interval_s)',
  timeInterval_ms: 'it expands to toStartOfInterval and DateTime64, which ClickHouse 18.16 lacks',
};
/** Grafana's interval variables that its Prometheus datasource replaces. */
const PROMETHEUS_BUILTINS = new Set(['interval', 'interval_ms', 'rate_interval', 'rate_interval_ms', 'range', 'range_s', 'range_ms']);
/** Macros without arguments: sqlutil before 2024 took the next "(...)" after them as their arguments. */
const BARE_MACROS = ['fromTime', 'toTime', 'interval_s'];
/** ClickHouse query format expected for each panel type (0 time series, 1 table, 2 logs). */
const FORMAT_FOR_PANEL: Readonly<Record<string, number>> = { timeseries: 0, table: 1, stat: 1, logs: 2 };

function referencedNames(text: string): string[] {
  return [...text.matchAll(VARIABLE_REFERENCE)].map((m) => m[1] ?? m[2] ?? m[4] ?? '');
}

function checkIdentity(f: DashboardFile, out: Problem[]): void {
  const uid = f.json.uid ?? '';
  if (uid !== f.name) out.push({ check: 'uid', where: f.name, message: `uid "${uid}" must equal the file name, so it never changes` });
  if (!/^cairn-[a-z0-9-]{1,34}$/.test(uid)) out.push({ check: 'uid', where: f.name, message: `uid "${uid}" must be cairn-<lower-case words>, at most 40 characters` });
  const v = f.json.schemaVersion ?? 0;
  if (v < OLDEST_SCHEMA_VERSION || v > defaultDashboard.schemaVersion) {
    out.push({ check: 'schema-version', where: f.name, message: `schemaVersion ${v} is outside ${OLDEST_SCHEMA_VERSION}..${defaultDashboard.schemaVersion}` });
  }
}

function checkGrid(f: DashboardFile, out: Problem[]): void {
  const ids = new Set<number>();
  for (const p of allPanels(f.json)) {
    const where = `${f.name} / ${p.title ?? '?'}`;
    if (p.id === undefined || !Number.isInteger(p.id) || p.id < 1 || ids.has(p.id)) out.push({ check: 'panel-id', where, message: `panel id ${String(p.id)} is missing, not a positive integer or repeated` });
    if (p.id !== undefined) ids.add(p.id);
    const g = p.gridPos;
    if (g === undefined || ![g.x, g.y, g.w, g.h].every(Number.isInteger) || g.x < 0 || g.y < 0 || g.w < 1 || g.h < 1 || g.x + g.w > GRID_COLUMNS) {
      out.push({ check: 'grid', where, message: `gridPos ${JSON.stringify(g)} must be whole numbers inside ${GRID_COLUMNS} columns` });
    }
  }
  const placed = (f.json.panels ?? []).filter((p): p is PanelJson & { gridPos: NonNullable<PanelJson['gridPos']> } => p.gridPos !== undefined);
  placed.forEach((a, i) => {
    for (const b of placed.slice(i + 1)) {
      const [p, q] = [a.gridPos, b.gridPos];
      if (p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h) {
        out.push({ check: 'grid', where: `${f.name} / ${a.title ?? '?'}`, message: `overlaps "${b.title ?? '?'}"` });
      }
    }
  });
}

function checkDatasources(f: DashboardFile, ctx: CheckContext, out: Problem[]): void {
  const known = (ds: { uid?: string; type?: string } | null | undefined): boolean =>
    ds !== undefined && ds !== null && ds.uid !== undefined && ctx.datasources.get(ds.uid) === ds.type;
  for (const p of allPanels(f.json)) {
    if (p.type === 'row') continue;
    if (!known(p.datasource)) out.push({ check: 'datasource', where: `${f.name} / ${p.title ?? '?'}`, message: `datasource ${JSON.stringify(p.datasource)} is not a provisioned uid and type` });
  }
  for (const { panel, target, where } of panelTargets(f.json)) {
    if (!known(target.datasource) || target.datasource?.uid !== panel.datasource?.uid) {
      out.push({ check: 'datasource', where, message: `target datasource ${JSON.stringify(target.datasource)} must be the panel's provisioned datasource` });
    }
  }
  for (const v of variablesOf(f.json)) {
    if (v.type === 'query' && !known(v.datasource)) out.push({ check: 'datasource', where: `${f.name} / $${v.name}`, message: `variable datasource ${JSON.stringify(v.datasource)} is not provisioned` });
  }
}

function checkVariables(f: DashboardFile, out: Problem[]): void {
  const defined = new Set<string>();
  const all = new Set(variablesOf(f.json).map((v) => v.name));
  const use = (text: string, where: string, available: ReadonlySet<string>): void => {
    for (const name of referencedNames(text)) {
      if (name.startsWith('__')) continue;
      if (!available.has(name)) out.push({ check: 'variable', where, message: `$${name} is not defined${all.has(name) ? ' before this variable' : ''}` });
    }
  };
  for (const v of variablesOf(f.json)) {
    if (typeof v.query === 'string' && v.type === 'query') use(v.query, `${f.name} / $${v.name}`, defined);
    defined.add(v.name);
  }
  for (const { target, where } of panelTargets(f.json)) use(target.rawSql ?? target.expr ?? '', where, all);
}

function checkMacros(text: string, where: string, clickhouse: boolean, out: Problem[]): void {
  for (const m of text.matchAll(/\$__(\w+)/g)) {
    const name = m[1] ?? '';
    const refused = REFUSED_MACROS[name];
    if (clickhouse && refused !== undefined) out.push({ check: 'macro', where, message: `$__${name}: ${refused}` });
    else if (!(clickhouse ? CLICKHOUSE_MACROS : PROMETHEUS_BUILTINS).has(name)) out.push({ check: 'macro', where, message: `$__${name} is not a macro this datasource knows` });
  }
  if (!clickhouse) return;
  for (const name of BARE_MACROS) {
    for (const m of text.matchAll(new RegExp(`\\$__${name}\\b`, 'g'))) {
      const rest = text.slice(m.index + m[0].length);
      const open = rest.indexOf('(');
      const close = rest.indexOf(')');
      if (open !== -1 && (close === -1 || open < close)) {
        out.push({ check: 'macro-parens', where, message: `$__${name} is followed by "(" before ")": older plugin versions take that as its arguments; wrap it in parentheses` });
      }
    }
  }
}

function wholeMinutes(interval: string | undefined): boolean {
  try {
    return interval !== undefined && parseDuration(interval) % 60_000 === 0 && parseDuration(interval) > 0;
  } catch {
    return false;
  }
}

function checkClickHouseSql(sql: string, where: string, out: Problem[]): void {
  checkMacros(sql, where, true, out);
  for (const m of sql.matchAll(/\bFROM\s+([\w${}.]+)/gi)) {
    const [db, table] = (m[1] ?? '').split('.');
    if (db !== '${database}' || !(SQL_TABLES as readonly string[]).includes(table ?? '')) {
      out.push({ check: 'table', where, message: `FROM ${m[1] ?? ''}: read \${database}.<one of ${SQL_TABLES.join(', ')}>` });
    }
  }
}

function checkTargets(f: DashboardFile, ctx: CheckContext, out: Problem[]): void {
  for (const p of allPanels(f.json)) {
    const refIds = (p.targets ?? []).map((t) => t.refId ?? '');
    if (refIds.some((r) => r === '') || new Set(refIds).size !== refIds.length) out.push({ check: 'refid', where: `${f.name} / ${p.title ?? '?'}`, message: `refIds ${JSON.stringify(refIds)} must be non-empty and unique` });
  }
  for (const { panel, target, where } of panelTargets(f.json)) {
    if (isClickHouse(target)) {
      const sql = target.rawSql ?? '';
      checkClickHouseSql(sql, where, out);
      if (target.editorType !== 'sql' || target.format !== FORMAT_FOR_PANEL[panel.type]) {
        out.push({ check: 'format', where, message: `a ${panel.type} panel needs editorType "sql" and format ${String(FORMAT_FOR_PANEL[panel.type])}` });
      }
      if (/_minutely\b/.test(sql) && sql.includes('$__interval_s') && !wholeMinutes(panel.interval)) {
        out.push({ check: 'rollup-interval', where, message: 'a per-minute rollup bucketed by $__interval_s needs a panel interval of whole minutes (e.g. "1m")' });
      }
    } else if (isPrometheus(target)) {
      checkMacros(target.expr ?? '', where, false, out);
      for (const name of seriesNamesIn(target.expr ?? '')) if (!ctx.series.has(name)) out.push({ check: 'metric', where, message: `${name} is not a series any Cairn service exposes` });
    }
  }
  for (const v of variablesOf(f.json)) {
    if (typeof v.query === 'string' && v.type === 'query' && v.datasource?.uid === CLICKHOUSE_UID) checkClickHouseSql(v.query, `${f.name} / $${v.name}`, out);
  }
}

export function checkDashboard(f: DashboardFile, ctx: CheckContext): Problem[] {
  const out: Problem[] = [];
  checkIdentity(f, out);
  checkGrid(f, out);
  checkDatasources(f, ctx, out);
  checkVariables(f, out);
  checkTargets(f, ctx, out);
  return out;
}

/** Checks across dashboards: uids and titles unique. */
export function checkDashboardSet(files: readonly DashboardFile[]): Problem[] {
  const out: Problem[] = [];
  for (const key of ['uid', 'title'] as const) {
    const seen = new Set<string>();
    for (const f of files) {
      const value = f.json[key] ?? '';
      if (seen.has(value)) out.push({ check: 'unique', where: f.name, message: `${key} "${value}" is used by another dashboard` });
      seen.add(value);
    }
  }
  return out;
}
