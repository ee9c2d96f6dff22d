// The checks types cannot make, on the real dashboards, provisioning files and runbook: none may
// report a problem. Each check is then shown to catch its fault on a broken copy, so a check that
// silently stopped looking would fail here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { checkAlertRules, checkDashboardProvider, checkDatasources, provisionedDatasources } from '../support/grafana-alert-checks.ts';
import { checkDashboard, checkDashboardSet } from '../support/grafana-checks.ts';
import type { Problem } from '../support/grafana-checks.ts';
import { DASHBOARDS_DIR, RUNBOOK, alertRules, allPanels, loadDashboards, loadProvisioning, variablesOf } from '../support/grafana-dashboards.ts';
import type { AlertRule, DashboardFile, PanelJson, Provisioning } from '../support/grafana-dashboards.ts';
import { exposedSeriesNames } from '../support/prometheus-metric-names.ts';

interface State {
  dashboards: DashboardFile[];
  provisioning: Provisioning;
  readme: string;
  runbook: string;
}

let series: ReadonlySet<string> = new Set();

function fresh(): State {
  return {
    dashboards: loadDashboards(),
    provisioning: loadProvisioning(),
    readme: readFileSync(join(DASHBOARDS_DIR, 'README.md'), 'utf8'),
    runbook: readFileSync(RUNBOOK, 'utf8'),
  };
}

function problems(s: State): Problem[] {
  const datasources = provisionedDatasources(s.provisioning);
  return [
    ...s.dashboards.flatMap((d) => checkDashboard(d, { datasources, series })),
    ...checkDashboardSet(s.dashboards),
    ...checkDatasources(s.provisioning),
    ...checkDashboardProvider(s.provisioning, s.readme),
    ...checkAlertRules(s.provisioning, { datasources, series, runbook: s.runbook }),
  ];
}

const dash = (s: State, name: string): DashboardFile => s.dashboards.find((d) => d.name === name) ?? assert.fail(`no ${name}`);
const panel = (s: State, name: string, title: string): PanelJson => allPanels(dash(s, name).json).find((p) => p.title === title) ?? assert.fail(`no panel ${title}`);
const target = (p: PanelJson): NonNullable<PanelJson['targets']>[number] => p.targets?.[0] ?? assert.fail('no target');
const rule = (s: State, title: string): AlertRule => alertRules(s.provisioning).find((r) => r.title === title) ?? assert.fail(`no rule ${title}`);
const SO = 'cairn-service-overview';
const PH = 'cairn-pipeline-health';
const LE = 'cairn-logs-explorer';

/** [check that must fire, what is broken, how]. */
const FAULTS: ReadonlyArray<readonly [string, string, (s: State) => void]> = [
  ['uid', 'uid differs from the file name', (s) => (dash(s, SO).json.uid = 'cairn-overview')],
  ['schema-version', 'an ancient schemaVersion', (s) => (dash(s, PH).json.schemaVersion = 16)],
  ['panel-id', 'a repeated panel id', (s) => ((allPanels(dash(s, PH).json)[1] ?? assert.fail()).id = 1)],
  ['grid', 'a panel past column 24', (s) => (panel(s, SO, 'Requests').gridPos = { x: 20, y: 0, w: 6, h: 4 })],
  ['grid', 'two panels on one spot', (s) => (panel(s, SO, 'Error ratio').gridPos = { x: 0, y: 0, w: 6, h: 4 })],
  ['datasource', 'a panel on an unprovisioned datasource', (s) => (panel(s, PH, 'Rows inserted').datasource = { type: 'prometheus', uid: 'prom' })],
  ['datasource', 'a target on another datasource than its panel', (s) => (target(panel(s, SO, 'Operations')).datasource = { type: 'prometheus', uid: 'cairn-prometheus' })],
  ['variable', 'an undefined variable', (s) => (target(panel(s, LE, 'Logs')).rawSql = (target(panel(s, LE, 'Logs')).rawSql ?? '').replace('${search:sqlstring}', '${query:sqlstring}'))],
  ['variable', 'a variable used before it is defined', (s) => variablesOf(dash(s, SO).json).reverse()],
  ['macro', 'a macro 18.16 cannot run', (s) => (target(panel(s, LE, 'Logs')).rawSql = (target(panel(s, LE, 'Logs')).rawSql ?? '').replace('$__timeFilter(timestamp)', '$__timeFilter_ms(timestamp)'))],
  ['macro', 'toStartOfInterval through $__timeInterval', (s) => (target(panel(s, SO, 'Request rate')).rawSql = (target(panel(s, SO, 'Request rate')).rawSql ?? '').replace(/toDateTime\(intDiv\(toUInt32\(minute\), \$__interval_s\) \* \$__interval_s\)/, '$__timeInterval(minute)'))],
  ['macro', 'a Prometheus variable Grafana does not have', (s) => (target(panel(s, PH, 'Rows inserted')).expr = 'sum(rate(cairn_ingest_rows_total[$__rate_intervall]))')],
  ['macro-parens', 'a bare macro followed by a bracket', (s) => (target(panel(s, SO, 'Request rate')).rawSql = (target(panel(s, SO, 'Request rate')).rawSql ?? '').replace('(countMerge(calls) / $__interval_s)', 'countMerge(calls) / $__interval_s'))],
  ['refid', 'two targets with one refId', (s) => ((panel(s, PH, 'Insert latency').targets ?? [])[1] ?? assert.fail()).refId = 'A'],
  ['format', 'a table query on a time series panel', (s) => (target(panel(s, SO, 'Error ratio by service')).format = 1)],
  ['table', 'a table the SQL endpoint does not expose', (s) => (target(panel(s, SO, 'Slowest requests')).rawSql = (target(panel(s, SO, 'Slowest requests')).rawSql ?? '').replace('${database}.spans', '${database}.spanz'))],
  ['table', 'a hard-coded database', (s) => (target(panel(s, SO, 'Error logs')).rawSql = (target(panel(s, SO, 'Error logs')).rawSql ?? '').replace('${database}.logs', 'cairn.logs'))],
  ['rollup-interval', 'a rollup panel without a whole-minute interval', (s) => delete panel(s, SO, 'Request rate').interval],
  ['metric', 'a series no service exposes', (s) => (target(panel(s, PH, 'Rows inserted')).expr = 'sum(rate(cairn_ingest_row_total[$__rate_interval]))')],
  ['unique', 'two dashboards with one title', (s) => (dash(s, LE).json.title = dash(s, SO).json.title ?? '')],
  ['datasources', 'a renamed environment variable', (s) => ((s.provisioning.datasources.datasources ?? [])[0] ?? assert.fail()).url = '${PROMETHEUS_URL}'],
  ['datasources', 'the HTTP protocol', (s) => ((s.provisioning.datasources.datasources ?? [])[1]?.jsonData ?? assert.fail())['protocol'] = 'http'],
  ['provider', 'a relative dashboards path', (s) => (((s.provisioning.dashboards.providers ?? [])[0] ?? assert.fail()).options = { path: 'dashboards' })],
  ['provider', 'a README that does not say where to mount', (s) => (s.readme = s.readme.replaceAll('/var/lib/grafana/dashboards/cairn', '/somewhere'))],
  ['alert', 'a $ in a label', (s) => (rule(s, 'CairnNoQueryLeader').labels = { severity: 'critical', team: '$TEAM' })],
  ['alert', 'an unknown severity', (s) => (rule(s, 'CairnNoQueryLeader').labels = { severity: 'page' })],
  ['alert', 'a for that is not a duration', (s) => (rule(s, 'CairnQueryLatencyHigh').for = 'ten minutes')],
  ['alert', 'no summary', (s) => delete (rule(s, 'CairnQueryLatencyHigh').annotations ?? {})['summary']],
  ['alert', 'a repeated uid', (s) => (rule(s, 'CairnQueryLatencyHigh').uid = rule(s, 'CairnNoQueryLeader').uid ?? '')],
  ['alert-data', 'a condition that is no refId', (s) => (rule(s, 'CairnIngestDeadLetters').condition = 'Z')],
  ['alert-data', 'an expression reading a missing refId', (s) => (((rule(s, 'CairnIngestionStalled').data ?? [])[4]?.model ?? assert.fail()).expression = '$C > 0 && $X == 0')],
  ['alert-data', 'an unprovisioned datasource', (s) => (((rule(s, 'CairnIngestDeadLetters').data ?? [])[0] ?? assert.fail()).datasourceUid = 'prometheus')],
  ['alert-data', 'a dashboard variable in an alert', (s) => ((((rule(s, 'CairnKafkaProduceFailures').data ?? [])[0]?.model) ?? assert.fail()).expr = 'sum(rate(cairn_kafka_produce_failures_total[$__rate_interval]))')],
  ['metric', 'an alert on a series no service exposes', (s) => ((((rule(s, 'CairnKafkaProduceFailures').data ?? [])[0]?.model) ?? assert.fail()).expr = 'sum(rate(cairn_kafka_produce_errors_total[5m]))')],
  ['runbook', 'a runbook_url to a wrong anchor', (s) => ((rule(s, 'CairnIngestDeadLetters').annotations ?? {})['runbook_url'] = 'docs/runbook.md#dead-letters')],
  ['runbook', 'an alert without a runbook section', (s) => (s.runbook = s.runbook.replace('## CairnQueryEpochChurn', '## Epoch churn'))],
  ['runbook', 'a runbook section without an alert', (s) => (s.runbook += '\n## CairnSomethingElse\n')],
];

void describe('dashboards, provisioning and alert rules', () => {
  before(async () => {
    series = await exposedSeriesNames();
  });

  void it('pass every check', () => {
    const s = fresh();
    assert.deepEqual(s.dashboards.map((d) => d.name), [LE, PH, SO]);
    assert.ok(alertRules(s.provisioning).length >= 10, 'the alert rules are there');
    assert.deepEqual(problems(s), []);
  });

  for (const [check, what, breakIt] of FAULTS) {
    void it(`${check} catches ${what}`, () => {
      const s = fresh();
      breakIt(s);
      const found = problems(s);
      assert.ok(found.some((p) => p.check === check), `expected a "${check}" problem, got ${JSON.stringify(found)}`);
    });
  }
});
