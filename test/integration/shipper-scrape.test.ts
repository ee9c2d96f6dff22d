// The shipper's /metrics scraping against real processes: it scrapes a running Cairn (`cairn
// start`, whose receiver serves prom-client metrics) and a target that is down, and ships to that
// same Cairn. Read back through the query API: a counter as a monotonic sum with increases, a
// histogram with quantiles, and `up` per target. Then Cairn is killed (-9) and restarted: the
// scrapes taken meanwhile (its own `up` = 0 among them) wait in the shipper's buffer and arrive.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import { Shipper } from '../../agents/shipper/shipper.ts';
import { readShipperConfig } from '../../agents/shipper/shipper-config.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { freePort } from '../../deploy/local/free-port.ts';
import { embeddedEnv, startEmbedded } from './support/embedded-process.ts';
import { eventually } from './support/pipeline.ts';

const dir = mkdtempSync(join(tmpdir(), 'cairn-scrape-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface QueryAnswer {
  readonly type: string;
  readonly series: { labels: Record<string, string>; points: { time: string; value: number | null }[] }[];
}

async function metricsQuery(base: string, params: Record<string, string | string[]>): Promise<QueryAnswer> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) q.append(k, one);
  const res = await fetch(`${base}/api/v1/metrics/query?${q.toString()}`);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text) as QueryAnswer;
}

void test('scraped metrics reach Cairn as sums, histograms and up, and scrapes taken while it was down arrive after', async () => {
  const env = await embeddedEnv(join(dir, 'data'));
  const receiver = `http://127.0.0.1:${env.CAIRN_OTLP_HTTP_PORT}`;
  const query = `http://127.0.0.1:${env.CAIRN_QUERY_PORT}`;
  const config = readShipperConfig({
    CAIRN_SHIPPER_SCRAPE_TARGETS: `cairn-receiver=${receiver}/metrics,ghost=http://127.0.0.1:${await freePort()}/metrics`,
    CAIRN_SHIPPER_SCRAPE_INTERVAL_MS: '250',
    CAIRN_SHIPPER_REQUEST_TIMEOUT_MS: '2000',
    CAIRN_SHIPPER_MAX_RETRY_DELAY_MS: '300',
    CAIRN_SHIPPER_STATE: join(dir, 'offsets.json'),
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver,
  });
  const logger = createLogger(process.env['CAIRN_TEST_LOG_LEVEL'] ?? 'silent', 'test-scrape');
  let cairn = await startEmbedded(env);
  const registry = new Registry();
  const shipper = new Shipper(config, logger, registry);
  const buffered = async (): Promise<number> => (await registry.getSingleMetric('cairn_shipper_scrape_buffer')?.get())?.values[0]?.value ?? 0;
  const running = shipper.run();
  const t0 = new Date(Date.now() - 60_000).toISOString();
  try {
    // Counter and histogram: the receiver's requests (the shipper's own exports count too) and
    // Node's GC pauses from prom-client's default metrics.
    const requests = await eventually('the receiver request counter as a sum that increases', 60_000, async () => {
      const a = await metricsQuery(query, { name: 'cairn_receiver_requests_total', fn: 'increase', start: t0, step: '5s', match: 'service.name=cairn-receiver' });
      return a.type === 'sum' && a.series.some((s) => s.points.some((p) => (p.value ?? 0) > 0)) ? a : undefined;
    });
    assert.equal(requests.type, 'sum');
    const gc = await eventually('a histogram with a quantile', 60_000, async () => {
      const a = await metricsQuery(query, { name: 'cairn_nodejs_gc_duration_seconds', fn: 'quantile', q: '0.9', start: t0, step: '5s', match: 'service.name=cairn-receiver' });
      return a.type === 'histogram' && a.series.some((s) => s.points.some((p) => p.value !== null)) ? a : undefined;
    });
    assert.equal(gc.type, 'histogram');
    const upBy = async (): Promise<Map<string, (number | null)[]>> => {
      const a = await metricsQuery(query, { name: 'up', fn: 'raw', by: 'service.name', agg: 'max', start: t0, step: '1s' });
      return new Map(a.series.map((s) => [s.labels['service.name'] ?? '', s.points.map((p) => p.value)]));
    };
    const up = await eventually('up for both targets', 60_000, async () => {
      const m = await upBy();
      return m.has('cairn-receiver') && m.has('ghost') ? m : undefined;
    });
    assert.ok(up.get('ghost')?.every((v) => v === 0), 'the target that is down is up = 0');
    assert.ok(up.get('cairn-receiver')?.includes(1), 'the live target is up = 1');

    // Cairn is down for a while: its own scrapes fail (up = 0) and nothing can be shipped.
    const killedAt = Date.now();
    await cairn.kill9();
    // Two targets every 250 ms: 24 buffered scrapes are 3 s of outage, two whole 1 s steps at least.
    // And 3 s at least by the clock: a backlog left from before the kill would reach 24 at once.
    await eventually('scrapes to pile up in the shipper while Cairn is down', 30_000, async () =>
      (await buffered()) >= 24 && Date.now() - killedAt >= 3_000 ? true : undefined,
    );
    const restartedAt = Date.now();
    cairn = await startEmbedded(env);
    const during = await eventually('scrapes taken while Cairn was down', 60_000, async () => {
      const a = await metricsQuery(query, {
        name: 'up',
        fn: 'raw',
        match: 'service.name=cairn-receiver',
        // Whole 1 s steps strictly inside the outage: a step that began before the kill holds an up = 1.
        start: new Date(Math.ceil(killedAt / 1000) * 1000).toISOString(),
        end: new Date(Math.floor(restartedAt / 1000) * 1000).toISOString(),
        step: '1s',
      });
      const points = a.series.flatMap((s) => s.points);
      return points.length >= 2 ? points : undefined;
    });
    assert.ok(during.every((p) => p.value === 0), `while down, the receiver was up = 0 (${JSON.stringify(during)})`);
  } finally {
    await shipper.close();
    await running;
    await cairn.stop();
  }
});
