// Every ClickHouse panel and variable query of the dashboards, expanded as Grafana and the official
// ClickHouse plugin expand them, runs on the real 18.16 cluster (data sent as OTLP through the
// receiver, Kafka and the ingester) and on the embedded engine, and returns rows. Where it is cheap
// the numbers are compared with what was sent: requests, failures, operations, dependencies, error
// logs, the slowest trace, and the logs explorer's filters. Another tenant's data must not show.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { identifier, qualified, sql } from '../../common/clickhouse/sql.ts';
import { SpanKind } from '../../common/model/span.ts';
import { loadDashboards } from '../support/grafana-dashboards.ts';
import type { DashboardJson } from '../support/grafana-dashboards.ts';
import { PROTOBUF, simpleLogsRequest, simpleSpansRequest, toProtobuf } from '../support/search-otlp.ts';
import { FRONTEND, LEDGER, PAYMENTS, SERVICES, expected, telemetry } from './support/grafana-telemetry.ts';
import type { Telemetry } from './support/grafana-telemetry.ts';
import { num, resolveVariables, rowsOf, runPanels, sum } from './support/grafana-runner.ts';
import type { Overrides, Range } from './support/grafana-runner.ts';
import { KEY_A, KEY_B, TENANT_A, clusterEnv, embeddedEnv } from './support/insights-env.ts';
import type { InsightsEnv } from './support/insights-env.ts';
import { eventually } from './support/pipeline.ts';

const TRACES = 36;
const ALL = ['$__all'];
const dashboards = loadDashboards();
const dashboard = (uid: string): DashboardJson => dashboards.find((d) => d.name === uid)?.json ?? assert.fail(`no ${uid}`);

async function send(env: InsightsEnv, t: Telemetry, key: string): Promise<void> {
  for (let i = 0; i < t.spans.length; i += 60) await env.send('traces', toProtobuf('traces', simpleSpansRequest(t.spans.slice(i, i + 60))), PROTOBUF, key);
  for (let i = 0; i < t.logs.length; i += 60) await env.send('logs', toProtobuf('logs', simpleLogsRequest(t.logs.slice(i, i + 60))), PROTOBUF, key);
}

async function serviceOverview(env: InsightsEnv, sent: Telemetry, range: Range): Promise<void> {
  const d = dashboard('cairn-service-overview');
  for (const services of [[], [FRONTEND], [LEDGER], [FRONTEND, PAYMENTS]]) {
    const what = `service = ${services.length === 0 ? 'All' : services.join(', ')}`;
    const overrides: Overrides = { database: env.target.database.name, tenant: TENANT_A, service: services.length === 0 ? ALL : services };
    const vars = await resolveVariables(env.clickhouse, d, overrides, range);
    assert.deepEqual([...(vars['tenant']?.options ?? [])], ['tenant-a', 'tenant-b'], 'the tenants with data');
    assert.deepEqual([...(vars['service']?.options ?? [])], [...SERVICES].sort(), "tenant a's services");
    const results = await runPanels(env.clickhouse, d, vars, range, what);
    const want = expected(sent, services);
    assert.equal(num(rowsOf(results, 'Requests')[0]?.['requests']), want.requests, `${what}: requests`);
    assert.ok(Math.abs(num(rowsOf(results, 'Error ratio')[0]?.['error_ratio']) - want.failedRequests / want.requests) < 1e-9, `${what}: error ratio`);
    assert.ok(num(rowsOf(results, 'Latency p99')[0]?.['p99_ms']) > 0, `${what}: p99`);
    assert.equal(num(rowsOf(results, 'Error logs')[0]?.['error_logs']), want.errorLogs, `${what}: error logs`);
    const rate = rowsOf(results, 'Request rate');
    // Over this short range the panel's interval is its 1m minimum: rate x 60 s per bucket.
    assert.equal(Math.round(sum(rate, 'requests_per_second') * 60), want.requests, `${what}: the request rate adds up to the requests`);
    const operations = rowsOf(results, 'Operations');
    assert.deepEqual(operations.map((r) => `${String(r['service'])} ${String(r['operation'])}`).sort(), want.operations, `${what}: operations`);
    assert.equal(sum(operations, 'requests'), want.requests, `${what}: requests per operation`);
    const edges = rowsOf(results, 'Service dependencies');
    assert.deepEqual(edges.map((r) => `${String(r['caller'])} -> ${String(r['callee'])}`).sort(), want.edges, `${what}: dependencies`);
    for (const e of edges) assert.equal(num(e['requests']), TRACES, `${what}: calls ${String(e['caller'])} -> ${String(e['callee'])}`);
    assert.equal(sum(rowsOf(results, 'Error logs by service'), 'error_logs'), want.errorLogs, `${what}: error logs over time`);
    assert.equal(rowsOf(results, 'Recent error logs').length, Math.min(100, want.errorLogs), `${what}: recent error logs`);
    const slowest = rowsOf(results, 'Slowest requests');
    assert.equal(slowest[0]?.['trace_id'], want.slowestTrace, `${what}: the slowest trace first`);
    assert.equal(new Set(slowest.map((r) => r['trace_id'])).size, slowest.length, `${what}: one row per trace`);
  }
}

async function logsExplorer(env: InsightsEnv, sent: Telemetry, range: Range): Promise<void> {
  const d = dashboard('cairn-logs-explorer');
  const traceId = sent.logs[0]?.traceId ?? assert.fail('no logs');
  const scenarios: ReadonlyArray<readonly [string, Overrides, (l: Telemetry['logs'][number]) => boolean]> = [
    ['defaults', {}, () => true],
    ['one service', { service: [PAYMENTS] }, (l) => l.service === PAYMENTS],
    ['a quoted service', { service: [LEDGER] }, (l) => l.service === LEDGER],
    ['errors and worse', { min_severity: '17' }, (l) => l.severityNumber >= 17],
    ['text in the body, any case', { search: 'declined' }, (l) => l.body.toLowerCase().includes('declined')],
    ['one trace', { trace_id: traceId.toUpperCase() }, (l) => l.traceId === traceId],
  ];
  for (const [what, set, match] of scenarios) {
    const overrides: Overrides = { database: env.target.database.name, tenant: TENANT_A, service: ALL, ...set };
    const vars = await resolveVariables(env.clickhouse, d, overrides, range);
    const results = await runPanels(env.clickhouse, d, vars, range, what);
    const logs = sent.logs.filter(match);
    assert.equal(rowsOf(results, 'Logs').length, logs.length, `${what}: log lines`);
    assert.equal(sum(rowsOf(results, 'Log volume by level'), 'logs'), logs.length, `${what}: volume`);
    const services = rowsOf(results, 'Services');
    assert.equal(sum(services, 'logs'), logs.length, `${what}: logs per service`);
    assert.equal(sum(services, 'errors'), logs.filter((l) => l.severityNumber >= 17).length, `${what}: errors per service`);
  }
}

async function exercise(env: InsightsEnv): Promise<void> {
  const baseS = Math.floor(Date.now() / 60_000) * 60 - 300;
  const salt = randomBytes(4).toString('hex');
  const a = telemetry(baseS, TRACES, `a-${salt}`);
  // Tenant b: the same services, fewer traces; none of it may show in tenant a's panels.
  await send(env, telemetry(baseS, 4, `b-${salt}`), KEY_B);
  await send(env, a, KEY_A);
  await env.drained();
  const red = qualified(env.target.database, identifier('red_minutely', ['red_minutely']));
  const servers = a.spans.filter((s) => s.kind === SpanKind.SERVER).length;
  const spans = qualified(env.target.database, identifier('spans', ['spans']));
  let seen = -1;
  await eventually('the RED rollup to count every server span', 60_000, async () => {
    const [row] = await env.clickhouse.queryRows<{ n: string }>(sql`SELECT countMerge(calls) AS n FROM ${red} WHERE tenant = ${TENANT_A} AND kind = 2`);
    seen = Number(row?.n ?? 0);
    return seen === servers ? true : undefined;
  }).catch(async (err: unknown) => {
    const [stored] = await env.clickhouse.queryRows<{ rows: string; unique: string }>(
      sql`SELECT count() AS rows, uniqExact(span_id) AS unique FROM ${spans} WHERE tenant = ${TENANT_A} AND kind = 2`,
    );
    throw new Error(`RED rollup counts ${seen} server calls; sent ${servers}, stored ${stored?.rows ?? '?'} rows of ${stored?.unique ?? '?'} distinct spans`, { cause: err });
  });
  const range: Range = { fromMs: (baseS - 60) * 1000, toMs: Date.now() + 60_000 };
  await serviceOverview(env, a, range);
  await logsExplorer(env, a, range);
}

void describe('dashboards: every ClickHouse query returns the data sent through the pipeline', () => {
  void it('ClickHouse 18.16 cluster via Kafka', { timeout: 600_000 }, async () => {
    const env = await clusterEnv('dash');
    try {
      await exercise(env);
    } finally {
      await env.close();
    }
  });

  void it('embedded engine (chdb)', { timeout: 600_000 }, async () => {
    const env = await embeddedEnv();
    try {
      await exercise(env);
    } finally {
      await env.close();
    }
  });
});
