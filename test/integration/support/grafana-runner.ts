// Runs a dashboard's ClickHouse queries the way Grafana would: the variable queries first, in
// order, each with the variables before it (their results become the options, All included), then
// every panel target with the macros and variables expanded for a time range. Each query must
// succeed and return at least one row; the rows come back by panel title for closer checks.
import assert from 'node:assert/strict';
import { raw } from '../../../common/clickhouse/sql.ts';
import type { SqlRunner } from '../../../common/clickhouse/sql-runner.ts';
import { parseDuration } from '../../support/grafana-durations.ts';
import { CLICKHOUSE_UID, isClickHouse, panelTargets, variablesOf } from '../../support/grafana-dashboards.ts';
import type { DashboardJson, PanelJson } from '../../support/grafana-dashboards.ts';
import { expandClickHouseSql } from '../../support/grafana-macros.ts';
import type { Variables, VariableState } from '../../support/grafana-template.ts';

export type Row = Record<string, unknown>;

export interface Range {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Values a scenario sets (by variable name); the rest keep the dashboard's current values. */
export type Overrides = Readonly<Record<string, string | readonly string[]>>;

/** What Grafana sends for the time range: its interval is range / max data points, at least the panel's minimum. */
function intervalMs(panel: PanelJson, range: Range): number {
  const computed = Math.ceil((range.toMs - range.fromMs) / (panel.maxDataPoints ?? 1000) / 1000) * 1000;
  return Math.max(panel.interval === undefined ? 0 : parseDuration(panel.interval), computed);
}

async function run(ch: SqlRunner, sql: string, what: string): Promise<Row[]> {
  try {
    // readonly=2: the datasource's user should be read-only, and this SQL must work for it.
    return await ch.queryRows<Row>(raw(sql), { settings: { readonly: 2 }, timeoutMs: 60_000 });
  } catch (err) {
    throw new Error(`${what} failed: ${err instanceof Error ? err.message : String(err)}\n${sql}`, { cause: err });
  }
}

/** The variables of `d` as they stand once Grafana has run its variable queries. */
export async function resolveVariables(ch: SqlRunner, d: DashboardJson, overrides: Overrides, range: Range): Promise<Variables> {
  const vars: Record<string, VariableState> = {};
  for (const v of variablesOf(d)) {
    const current = overrides[v.name] ?? v.current?.value ?? '';
    if (v.type === 'query' && v.datasource?.uid === CLICKHOUSE_UID && typeof v.query === 'string') {
      const sql = expandClickHouseSql(v.query, vars, { ...range, intervalMs: 1000 });
      const rows = await run(ch, sql, `${d.title ?? '?'} variable $${v.name}`);
      assert.ok(rows.length > 0, `${d.title ?? '?'} variable $${v.name} returned no values:\n${sql}`);
      const options = rows.map((r) => String(Object.values(r)[0]));
      vars[v.name] = { value: current, options, ...(v.allValue === undefined ? {} : { allValue: v.allValue }) };
    } else if (v.type === 'constant') {
      vars[v.name] = { value: typeof v.query === 'string' ? v.query : '' };
    } else {
      vars[v.name] = { value: current, options: (v.options ?? []).map((o) => String(o.value)) };
    }
  }
  return vars;
}

export interface PanelRows {
  readonly sql: string;
  readonly rows: Row[];
}

/** Every ClickHouse target of `d` (keyed "panel title/refId"), each required to return rows. */
export async function runPanels(ch: SqlRunner, d: DashboardJson, vars: Variables, range: Range, what: string): Promise<Map<string, PanelRows>> {
  const out = new Map<string, PanelRows>();
  for (const { panel, target, where } of panelTargets(d)) {
    if (!isClickHouse(target)) continue;
    const sql = expandClickHouseSql(target.rawSql ?? '', vars, { ...range, intervalMs: intervalMs(panel, range) });
    const rows = await run(ch, sql, `${where} (${what})`);
    assert.ok(rows.length > 0, `${where} (${what}) returned no rows:\n${sql}`);
    out.set(`${panel.title ?? '?'}/${target.refId ?? '?'}`, { sql, rows });
  }
  return out;
}

/** The rows of one panel's target A. */
export function rowsOf(results: ReadonlyMap<string, PanelRows>, title: string): Row[] {
  return results.get(`${title}/A`)?.rows ?? assert.fail(`no results for panel "${title}"`);
}

export const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));
export const sum = (rows: readonly Row[], column: string): number => rows.reduce((s, r) => s + num(r[column]), 0);
