// Every dashboard JSON type-checks as Grafana's dashboard model (@grafana/schema's Dashboard, each
// panel plug-in's options, the datasources' query models), and broken copies do not: a misspelt
// key, an enum value Grafana does not know, a wrong variable type or hide value, a missing required
// option, an unprovisioned datasource and an unknown panel type each fail to compile.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDashboards } from '../support/grafana-dashboards.ts';
import type { DashboardJson } from '../support/grafana-dashboards.ts';
import { typecheckDashboards } from '../support/grafana-typecheck.ts';
import type { TypecheckCase } from '../support/grafana-typecheck.ts';

type Json = Record<string, unknown>;

const dashboards = loadDashboards();
const byName = (name: string): DashboardJson => dashboards.find((d) => d.name === name)?.json ?? assert.fail(`no ${name}.json`);

/** A deep copy of a dashboard, changed by `edit` (which works on plain JSON objects). */
function broken(name: string, from: string, edit: (d: Json) => void): TypecheckCase {
  const copy = structuredClone(byName(from)) as unknown as Json;
  edit(copy);
  return { name, json: copy };
}

const panels = (d: Json): Json[] => d['panels'] as Json[];
const firstOf = (d: Json, type: string): Json => panels(d).find((p) => p['type'] === type) ?? assert.fail(`no ${type} panel`);
const variables = (d: Json): Json[] => (d['templating'] as { list: Json[] }).list;

const BROKEN: readonly TypecheckCase[] = [
  broken('misspelt-key', 'cairn-pipeline-health', (d) => {
    d['schemaVersoin'] = d['schemaVersion'];
  }),
  broken('unknown-legend-mode', 'cairn-pipeline-health', (d) => {
    ((firstOf(d, 'timeseries')['options'] as Json)['legend'] as Json)['displayMode'] = 'tabel';
  }),
  broken('unknown-variable-type', 'cairn-service-overview', (d) => {
    (variables(d)[1] ?? assert.fail())['type'] = 'querry';
  }),
  broken('unknown-hide-value', 'cairn-logs-explorer', (d) => {
    (variables(d)[0] ?? assert.fail())['hide'] = 7;
  }),
  broken('missing-stat-option', 'cairn-service-overview', (d) => {
    delete (firstOf(d, 'stat')['options'] as Json)['reduceOptions'];
  }),
  broken('unprovisioned-datasource', 'cairn-logs-explorer', (d) => {
    ((firstOf(d, 'logs')['targets'] as Json[])[0] ?? assert.fail())['datasource'] = { type: 'grafana-clickhouse-datasource', uid: 'cairn-clickhous' };
  }),
  broken('unknown-panel-type', 'cairn-pipeline-health', (d) => {
    firstOf(d, 'stat')['type'] = 'singlestat';
  }),
];

void test('dashboards type-check as Grafana dashboards; broken copies do not', { timeout: 300_000 }, async () => {
  assert.ok(dashboards.length >= 3, 'the three dashboards are there');
  const cases = [...dashboards.map((d) => ({ name: d.name, json: d.json })), ...BROKEN];
  const result = await typecheckDashboards(cases);
  assert.deepEqual(result.other, [], 'no errors outside the dashboards (the types module compiles)');
  for (const d of dashboards) assert.deepEqual(result.errors.get(d.name), [], `${d.name}.json type-checks`);
  for (const c of BROKEN) assert.ok((result.errors.get(c.name) ?? []).length > 0, `${c.name}: the compiler refuses the broken copy`);
});
