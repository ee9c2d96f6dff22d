// Every PromQL expression of the dashboards and of the alert rules, with Grafana's interval
// variables expanded, is evaluated by a real Prometheus scraping a real receiver, ingester and query
// replica (child processes on the local stack) after traffic went through them: valid traces, logs
// and metrics, a partly invalid export, an undecodable one and query API reads. Each expression
// must return at least one series, and every label it groups or filters by must exist on its series.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanKind } from '../../common/model/span.ts';
import { PROMETHEUS_UID, alertExpressions, isPrometheus, loadDashboards, loadProvisioning, panelTargets } from '../support/grafana-dashboards.ts';
import { interpolatePromQL } from '../support/grafana-prom-vars.ts';
import { hexId, metricsRequest, simpleLogsRequest, simpleSpansRequest } from '../support/search-otlp.ts';
import type { SimpleSpan } from '../support/search-otlp.ts';
import { PrometheusServer } from '../support/prometheus-server.ts';
import { seriesNamesIn } from '../support/prometheus-metric-names.ts';
import { startCairnServices } from './support/prometheus-services.ts';
import type { CairnServices } from './support/prometheus-services.ts';
import { eventually } from './support/pipeline.ts';

interface Expression {
  readonly where: string;
  readonly expr: string;
}

/** Dashboard targets as Grafana sends them for the last hour (15 s step, the datasource's 15 s scrape interval). */
function expressions(): Expression[] {
  const provisioning = loadProvisioning();
  const prometheus = provisioning.datasources.datasources?.find((d) => d.uid === PROMETHEUS_UID);
  const scrapeInterval = typeof prometheus?.jsonData?.['timeInterval'] === 'string' ? prometheus.jsonData['timeInterval'] : '';
  const context = { intervalMs: 15_000, scrapeInterval, rangeMs: 3_600_000 };
  const fromDashboards = loadDashboards().flatMap((d) =>
    panelTargets(d.json)
      .filter(({ target }) => isPrometheus(target))
      .map(({ target, where }) => ({ where, expr: interpolatePromQL(target.expr ?? '', { ...context, ...(target.interval === undefined ? {} : { minStep: target.interval }) }) })),
  );
  const fromAlerts = alertExpressions(provisioning).map((a) => ({ where: `alert ${a.rule} / ${a.refId}`, expr: a.expr }));
  return [...fromDashboards, ...fromAlerts];
}

async function post(url: string, path: string, body: unknown, raw = false): Promise<number> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ? String(body) : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Valid data of each signal, a partly invalid export (one span ends before it starts), an undecodable body, and reads. */
async function traffic(s: CairnServices): Promise<void> {
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const span = (i: number, error: boolean, endOffsetMs: number): SimpleSpan => ({
    traceId: hexId(`prom-${i}`, 32), spanId: hexId(`prom-span-${i}`, 16), parentSpanId: '', service: 'checkout', name: 'GET /cart',
    kind: SpanKind.SERVER, startNs: nowNs, endNs: nowNs + BigInt(endOffsetMs) * 1_000_000n, error, attributes: {},
  });
  const receiver = s.receiver.url;
  assert.equal(await post(receiver, '/v1/traces', simpleSpansRequest([span(1, false, 12), span(2, true, 30)])), 200);
  assert.equal(await post(receiver, '/v1/traces', simpleSpansRequest([span(3, false, 5), span(4, false, -5)])), 200, 'partial success');
  assert.equal(await post(receiver, '/v1/traces', '{"resourceSpans": [', true), 400, 'undecodable');
  assert.equal(await post(receiver, '/v1/logs', simpleLogsRequest([{ service: 'checkout', timeNs: nowNs, severityNumber: 17, body: 'cart lost', traceId: '', spanId: '', attributes: {} }])), 200);
  const gauge = { name: 'queue.depth', gauge: { dataPoints: [{ timeUnixNano: nowNs.toString(), asDouble: 3, attributes: [] }] } };
  assert.equal(await post(receiver, '/v1/metrics', metricsRequest({ 'service.name': 'checkout' }, [gauge])), 200);
  for (const path of ['/api/v1/cluster', '/api/v1/traces?service=checkout', `/api/v1/traces/${hexId('prom-1', 32)}`, '/api/v1/red']) {
    const res = await fetch(`${s.query.url}${path}`, { signal: AbortSignal.timeout(30_000) });
    await res.arrayBuffer();
  }
}

/** Label names an expression groups or filters by. */
function labelsUsed(expr: string): string[] {
  const grouped = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => (m[1] ?? '').split(','));
  const matched = [...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...(m[1] ?? '').matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1] ?? ''));
  return [...new Set([...grouped, ...matched].map((l) => l.trim()).filter((l) => l !== ''))];
}

void test('every PromQL expression of the dashboards and alert rules returns series from running Cairn services', { timeout: 900_000 }, async () => {
  const all = expressions();
  assert.ok(all.length > 30, `expressions found: ${all.length}`);
  const services = await startCairnServices('promdash');
  let prometheus: PrometheusServer | undefined;
  try {
    prometheus = await PrometheusServer.start([
      { job: 'cairn-receiver', url: services.receiver.url },
      { job: 'cairn-ingester', url: services.ingester.url },
      { job: 'cairn-query', url: services.query.url },
    ]);
    const prom = prometheus;
    await eventually('every target scraped', 60_000, async () => ((await prom.targets()).every((t) => t.health === 'up') ? true : undefined));
    await traffic(services);
    // Scrapes after the traffic: rows inserted, the refused items counted, the API reads timed.
    await eventually('the traffic in Prometheus', 120_000, async () => {
      const [rows, refused, reads] = await Promise.all([
        prom.query('sum(cairn_ingest_rows_total{signal="traces"}) > 0'),
        prom.query('sum(cairn_receiver_items_total{outcome="rejected_invalid"}) > 0'),
        prom.query('sum(cairn_query_request_seconds_count{route=~"/api/.*"}) >= 4'),
      ]);
      return rows.length > 0 && refused.length > 0 && reads.length > 0 ? true : undefined;
    });

    // Some expressions need two samples of a series set late (the lag gauge after a batch): wait for
    // all of them, then report the ones still empty.
    const withoutSeries = async (): Promise<string[]> => {
      const missing: string[] = [];
      for (const e of all) if ((await prom.query(e.expr)).length === 0) missing.push(`${e.where}: ${e.expr}`);
      return missing;
    };
    await eventually('every expression to return series', 120_000, async () => ((await withoutSeries()).length === 0 ? true : undefined)).catch(() => undefined);
    const empty = await withoutSeries();

    const unknownLabels: string[] = [];
    for (const e of all) {
      const names = seriesNamesIn(e.expr);
      const labels = new Set<string>();
      for (const name of names) for (const set of await prom.series(`{__name__="${name}"}`)) for (const l of Object.keys(set)) labels.add(l);
      for (const l of labelsUsed(e.expr)) if (!labels.has(l)) unknownLabels.push(`${e.where}: ${l} is not a label of ${names.join(', ')}`);
    }
    assert.deepEqual({ empty, unknownLabels }, { empty: [], unknownLabels: [] }, 'expressions without series, and labels their series do not have');
  } finally {
    await prometheus?.close();
    await services.close();
  }
});
