// Limits give clear answers and lose nothing else: a metrics export with more data points than
// allowed is refused whole (400, naming the setting); points of series beyond the per-metric cap
// are refused and counted (partial success) while the rest are stored.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { identifier, qualified, sql } from '../../common/clickhouse/sql.ts';
import { eventually, startPipeline } from './support/pipeline.ts';
import type { Pipeline } from './support/pipeline.ts';

let pipeline: Pipeline;

before(async () => {
  pipeline = await startPipeline('limits', { CAIRN_MAX_DATA_POINTS_PER_REQUEST: '10', CAIRN_MAX_SERIES_PER_METRIC: '3' });
});

after(async () => {
  await pipeline.close();
});

function gaugeRequest(metric: string, users: readonly string[]): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'limits' } }] },
        scopeMetrics: [
          {
            metrics: [
              {
                name: metric,
                gauge: {
                  dataPoints: users.map((user, i) => ({
                    attributes: [{ key: 'user', value: { stringValue: user } }],
                    timeUnixNano: String(now + BigInt(i)),
                    asDouble: i,
                  })),
                },
              },
            ],
          },
        ],
      },
    ],
  });
}

async function post(body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${pipeline.otlpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

void test('more data points than CAIRN_MAX_DATA_POINTS_PER_REQUEST: 400 naming the setting', async () => {
  const res = await post(gaugeRequest('too.many', Array.from({ length: 11 }, (_, i) => `u${i}`)));
  assert.equal(res.status, 400);
  assert.match(String(res.json['message']), /CAIRN_MAX_DATA_POINTS_PER_REQUEST/);
});

void test('series beyond CAIRN_MAX_SERIES_PER_METRIC are refused and counted; the others are stored', async () => {
  const metric = `cardinality.${Date.now()}`;
  const res = await post(gaugeRequest(metric, ['u1', 'u2', 'u3', 'u4', 'u5']));
  assert.equal(res.status, 200);
  const partial = res.json['partialSuccess'] as { rejectedDataPoints: string; errorMessage: string };
  assert.equal(partial.rejectedDataPoints, '2');
  assert.match(partial.errorMessage, /CAIRN_MAX_SERIES_PER_METRIC/);
  assert.match(partial.errorMessage, new RegExp(metric.replace('.', '\\.')));
  // A known series is still accepted after the cap is reached.
  const again = await post(gaugeRequest(metric, ['u1']));
  assert.deepEqual(again.json, {});

  const gauges = qualified(pipeline.collectorConfig.clickhouse.target.database, identifier('metrics_gauge', ['metrics_gauge']));
  const rows = await eventually('the admitted points', 60_000, async () => {
    const r = await pipeline.clickhouse.queryRows<{ n: string }>(sql`SELECT count() AS n FROM ${gauges} WHERE metric_name = ${metric}`);
    return r[0]?.n === '4' ? r : undefined;
  });
  assert.equal(rows[0]?.n, '4', 'three series once, plus the known series again');
  const metrics = await (await fetch(`${pipeline.otlpUrl}/metrics`)).text();
  assert.match(metrics, /cairn_receiver_items_total\{signal="metrics",outcome="rejected_limit",service="collector"\} 2/);
});
