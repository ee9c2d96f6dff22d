// The shipper's Prometheus side: the exposition parser on what prom-client really serves (escaped
// label values, histograms, summaries, NaN and infinities) and on malformed lines, and the OTLP
// conversion: per-bucket counts that add up to the count, start times kept across scrapes and
// renewed on a counter reset.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { exportBody } from '../../agents/shipper/metrics-scraper.ts';
import type { Scrape, ScrapedMetric } from '../../agents/shipper/metrics-scraper.ts';
import { PromToOtlp } from '../../agents/shipper/prom-otlp.ts';
import type { OtlpMetric } from '../../agents/shipper/prom-otlp.ts';
import { parsePromText } from '../../agents/shipper/prom-text.ts';

type Point = Record<string, unknown> & { attributes: { key: string; value: { stringValue: string } }[] };

function points(m: OtlpMetric | undefined, kind: 'gauge' | 'sum' | 'histogram' | 'summary'): Point[] {
  const data = m?.[kind] as { dataPoints: Point[] } | undefined;
  assert.ok(data !== undefined, `${m?.name ?? 'metric'} is not a ${kind}`);
  return data.dataPoints;
}

function label(p: Point, key: string): string | undefined {
  return p.attributes.find((a) => a.key === key)?.value.stringValue;
}

const BOUNDS = [0.1, 0.5, 1, 5];

void describe('Prometheus exposition parser', () => {
  void it('reads what prom-client serves: every type, escaped label values, special values', async () => {
    const registry = new Registry();
    const c = new Counter({ name: 'jobs_total', help: 'Jobs\\done\nby kind', labelNames: ['kind'], registers: [registry] });
    c.inc({ kind: 'a "quoted" \\ back\nslash' }, 3);
    new Gauge({ name: 'temp', help: 'Temp', registers: [registry] }).set(Number.NaN);
    new Gauge({ name: 'limit', help: 'Limit', registers: [registry] }).set(-Infinity);
    const h = new Histogram({ name: 'lat_seconds', help: 'Latency', buckets: BOUNDS, labelNames: ['route'], registers: [registry] });
    for (const v of [0.05, 0.3, 0.3, 2, 9]) h.observe({ route: '/x' }, v);
    const s = new Summary({ name: 'size_bytes', help: 'Size', percentiles: [0.5, 0.9], registers: [registry] });
    for (const v of [1, 2, 3, 4]) s.observe(v);

    const parsed = parsePromText(await registry.metrics());
    assert.deepEqual(parsed.errors, []);
    const byName = new Map(parsed.families.map((f) => [f.name, f]));
    const jobs = byName.get('jobs_total');
    assert.equal(jobs?.type, 'counter');
    assert.equal(jobs.help, 'Jobs\\done\nby kind');
    assert.deepEqual(jobs.samples[0]?.labels, { kind: 'a "quoted" \\ back\nslash' });
    assert.equal(jobs.samples[0].value, 3);
    assert.ok(Number.isNaN(byName.get('temp')?.samples[0]?.value));
    assert.equal(byName.get('limit')?.samples[0]?.value, -Infinity);
    const lat = byName.get('lat_seconds');
    assert.equal(lat?.type, 'histogram');
    assert.deepEqual(lat.samples.map((x) => x.name).sort(), [...Array<string>(5).fill('lat_seconds_bucket'), 'lat_seconds_count', 'lat_seconds_sum']);
    assert.equal(byName.get('size_bytes')?.type, 'summary');
    assert.equal(byName.get('size_bytes')?.samples.length, 4);
  });

  void it('skips a malformed line with its number and keeps the others', () => {
    const parsed = parsePromText(['# TYPE ok gauge', 'ok 1', 'bad{x="1" 2', 'also_bad one', 'ok2 3 1700000000000', '# TYPE weird matrix', 'fine{a="b",} 4'].join('\n'));
    assert.deepEqual(parsed.errors.map((e) => e.split(':')[0]), ['line 3', 'line 4', 'line 6']);
    assert.deepEqual(parsed.families.map((f) => [f.name, f.samples[0]?.value]), [['ok', 1], ['ok2', 3], ['fine', 4]]);
    assert.equal(parsed.families[1]?.samples[0]?.timestampMs, 1_700_000_000_000);
  });
});

void describe('Prometheus to OTLP', () => {
  void it('histograms: per-bucket counts equal the observations per bucket and add up to the count', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { maxLength: 60 }), async (values) => {
        const registry = new Registry();
        const h = new Histogram({ name: 'h_seconds', help: 'h', buckets: BOUNDS, registers: [registry] });
        for (const v of values) h.observe(v);
        const [metric] = new PromToOtlp().convert(parsePromText(await registry.metrics()).families, 1n);
        const [p] = points(metric, 'histogram');
        const expected = [...BOUNDS, Infinity].map((b, i) => values.filter((v) => v <= b && (i === 0 || v > (BOUNDS[i - 1] ?? 0))).length);
        assert.deepEqual(p?.['bucketCounts'], expected.map(String));
        assert.deepEqual(p['explicitBounds'], BOUNDS);
        assert.equal(p['count'], String(values.length));
      }),
      { numRuns: 50 },
    );
  });

  void it('counters are cumulative sums whose start holds across scrapes and renews on a reset', () => {
    const conv = new PromToOtlp();
    const scrape = (value: number, at: bigint): Point | undefined =>
      points(conv.convert(parsePromText(`# TYPE req_total counter\nreq_total{code="200"} ${value}\n`).families, at)[0], 'sum')[0];
    const first = scrape(5, 1000n);
    assert.equal(first?.['startTimeUnixNano'], '1000');
    assert.equal(scrape(9, 2000n)?.['startTimeUnixNano'], '1000', 'same series, same start');
    assert.equal(scrape(2, 3000n)?.['startTimeUnixNano'], '3000', 'went down: the target restarted');
    assert.equal(scrape(4, 4000n)?.['startTimeUnixNano'], '3000');
    const sum = conv.convert(parsePromText('# TYPE req_total counter\nreq_total 1\n').families, 5000n)[0]?.['sum'] as Record<string, unknown>;
    assert.equal(sum['isMonotonic'], true);
    assert.equal(sum['aggregationTemporality'], 2);
  });

  void it('summaries keep quantiles apart from labels; gauges carry NaN as proto3 JSON does', () => {
    const text = ['# TYPE rpc summary', 'rpc{m="get",quantile="0.5"} 1', 'rpc{m="get",quantile="0.99"} 7', 'rpc_sum{m="get"} 20', 'rpc_count{m="get"} 6', '# TYPE g gauge', 'g{a="1"} NaN', 'g{a="2"} +Inf'].join('\n');
    const [rpc, g] = new PromToOtlp().convert(parsePromText(text).families, 10n);
    const [p] = points(rpc, 'summary');
    assert.deepEqual(p?.attributes, [{ key: 'm', value: { stringValue: 'get' } }]);
    assert.deepEqual(p['quantileValues'], [{ quantile: 0.5, value: 1 }, { quantile: 0.99, value: 7 }]);
    assert.equal(p['count'], '6');
    const gs = points(g, 'gauge');
    assert.deepEqual(gs.map((x) => [label(x, 'a'), x['asDouble']]), [['1', 'NaN'], ['2', 'Infinity']]);
  });
});

void describe('scrape export body', () => {
  const metric = (name: string): OtlpMetric => ({ name, description: '', unit: '', gauge: { dataPoints: [{ timeUnixNano: '1', asDouble: 1 }] } });
  const scrape = (job: string, names: string[]): ScrapedMetric[] => {
    const s: Scrape = { target: { job, url: `http://${job}:9100/metrics` }, metrics: names.map(metric) };
    const resource = { attributes: [{ key: 'service.name', value: { stringValue: job } }] };
    return s.metrics.map((m) => ({ scrape: s, resource, metric: m }));
  };

  void it('puts each scrape under its own resource, in order, even two scrapes of one target', () => {
    const a1 = scrape('a', ['up', 'x']);
    const b = scrape('b', ['up']);
    const a2 = scrape('a', ['up', 'y']);
    const body = JSON.parse(exportBody([...a1, ...b, ...a2])) as { resourceMetrics: { resource: { attributes: { value: { stringValue: string } }[] }; scopeMetrics: { metrics: { name: string }[] }[] }[] };
    const shape = body.resourceMetrics.map((r) => [r.resource.attributes[0]?.value.stringValue, r.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.name))]);
    assert.deepEqual(shape, [['a', ['up', 'x']], ['b', ['up']], ['a', ['up', 'y']]]);
  });

  void it('a part of a scrape (after a refused batch was halved) keeps its resource', () => {
    const [, second] = scrape('a', ['up', 'x']);
    assert.ok(second !== undefined);
    const body = JSON.parse(exportBody([second])) as { resourceMetrics: { scopeMetrics: { metrics: { name: string }[] }[] }[] };
    assert.equal(body.resourceMetrics.length, 1);
    assert.equal(body.resourceMetrics[0]?.scopeMetrics[0]?.metrics[0]?.name, 'x');
  });
});
