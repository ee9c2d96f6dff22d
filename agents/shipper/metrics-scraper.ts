// Scrapes Prometheus /metrics endpoints on a fixed interval and ships each scrape as OTLP metrics,
// one resource per target (service.name = the job, service.instance.id = host:port). Every scrape
// also yields `up` (1 scraped, 0 not), as Prometheus records it, so a dead target is visible in
// Cairn. Scrapes are shipped oldest first, several per export, and wait in a bounded in-memory
// buffer while the collector is unreachable; when it is full the oldest is dropped and counted
// (cairn_shipper_dropped_scrapes_total). Counters are
// cumulative, so a dropped scrape loses resolution, not totals. Buffered scrapes do not survive a
// restart of the shipper.
import type { Logger } from '../../common/runtime/logger.ts';
import { sleep } from '../../common/runtime/retry.ts';
import { deliver } from './delivery.ts';
import type { DeliveryContext } from './delivery.ts';
import { PromToOtlp } from './prom-otlp.ts';
import type { OtlpMetric } from './prom-otlp.ts';
import { parsePromText } from './prom-text.ts';
import type { ScrapeTarget, ShipperConfig } from './shipper-config.ts';
import type { ShipperMetrics } from './shipper-metrics.ts';

/**
 * Buffered scrapes go out up to this many per export: one request per scrape could not keep up
 * with a collector that takes longer per request than the scrape interval, so a backlog after an
 * outage would never drain.
 */
const MAX_SCRAPES_PER_EXPORT = 10;
/** A larger exposition is refused: one misbehaving target must not exhaust the shipper's memory. */
const MAX_SCRAPE_BYTES = 16 * 1024 * 1024;
const ACCEPT = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';

export interface Scrape {
  readonly target: ScrapeTarget;
  readonly metrics: OtlpMetric[];
}

interface Resource {
  readonly attributes: { key: string; value: { stringValue: string } }[];
}

/** What delivery splits when the collector refuses a batch: one metric of one scrape. */
export interface ScrapedMetric {
  readonly scrape: Scrape;
  readonly resource: Resource;
  readonly metric: OtlpMetric;
}

/** The OTLP/JSON body: one resourceMetrics entry per run of metrics from the same scrape, in order. */
export function exportBody(items: readonly ScrapedMetric[]): string {
  const resourceMetrics: { resource: Resource; scopeMetrics: { scope: { name: string }; metrics: OtlpMetric[] }[] }[] = [];
  let current: Scrape | undefined;
  let metrics: OtlpMetric[] = [];
  for (const item of items) {
    if (item.scrape !== current) {
      current = item.scrape;
      metrics = [];
      resourceMetrics.push({ resource: item.resource, scopeMetrics: [{ scope: { name: 'cairn-shipper' }, metrics }] });
    }
    metrics.push(item.metric);
  }
  return JSON.stringify({ resourceMetrics });
}

function targetResource(t: ScrapeTarget): Resource {
  const u = new URL(t.url);
  const port = u.port === '' ? (u.protocol === 'https:' ? '443' : '80') : u.port;
  const attrs: Record<string, string> = {
    'service.name': t.job,
    'service.instance.id': `${u.hostname}:${port}`,
    'server.address': u.hostname,
    'server.port': port,
    'url.scheme': u.protocol.replace(':', ''),
  };
  return { attributes: Object.entries(attrs).map(([key, value]) => ({ key, value: { stringValue: value } })) };
}

export class MetricsScraper {
  private readonly buffer: Scrape[] = [];
  /** The first this many buffered scrapes are being delivered; the buffer limit spares them. */
  private inFlight = 0;
  private readonly converters = new Map<ScrapeTarget, PromToOtlp>();
  shippedScrapes = 0;

  constructor(
    private readonly config: ShipperConfig,
    private readonly delivery: DeliveryContext,
    private readonly metrics: ShipperMetrics,
    private readonly log: Logger,
  ) {}

  /** Scrapes and ships until the delivery context's stop signal. */
  async run(): Promise<void> {
    if (this.config.targets.length === 0) return;
    await Promise.all([this.scrapeLoop(), this.shipLoop()]);
  }

  private async scrapeLoop(): Promise<void> {
    const stop = this.delivery.stop;
    // A fixed cadence, not "interval after the last scrape": points stay evenly spaced.
    let next = performance.now();
    while (!stop.aborted) {
      await Promise.all(this.config.targets.map((t) => this.scrapeOne(t)));
      next += this.config.scrapeIntervalMs;
      const wait = next - performance.now();
      if (wait < 0) next = performance.now();
      await sleep(Math.max(0, wait), stop);
    }
  }

  private async scrapeOne(target: ScrapeTarget): Promise<void> {
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const converter = this.converters.get(target) ?? new PromToOtlp();
    this.converters.set(target, converter);
    let metrics: OtlpMetric[] = [];
    let up = 0;
    try {
      const res = await fetch(target.url, { headers: { accept: ACCEPT }, signal: AbortSignal.timeout(Math.min(this.config.scrapeIntervalMs, this.config.requestTimeoutMs)) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const text = await res.text();
      if (text.length > MAX_SCRAPE_BYTES) throw new Error(`exposition of ${text.length} bytes is over ${MAX_SCRAPE_BYTES}`);
      const parsed = parsePromText(text);
      if (parsed.errors.length > 0) this.log.warn({ target: target.url, skipped: parsed.errors.slice(0, 5), count: parsed.errors.length }, 'skipped malformed exposition lines');
      metrics = converter.convert(parsed.families, nowNs);
      up = 1;
      this.metrics.scrapes.inc({ outcome: 'ok' });
    } catch (err) {
      this.metrics.scrapes.inc({ outcome: 'failed' });
      this.log.warn({ target: target.url, err: err instanceof Error ? err.message : String(err) }, 'scrape failed');
    }
    metrics.push({ name: 'up', description: 'Whether the target answered the scrape (1) or not (0)', unit: '', gauge: { dataPoints: [{ timeUnixNano: String(nowNs), asDouble: up }] } });
    this.buffer.push({ target, metrics });
    while (this.buffer.length > this.config.scrapeBuffer && this.buffer.length > this.inFlight) {
      // The oldest scrape not in delivery goes: the ones in flight are not dropped under the shipper's feet.
      this.buffer.splice(this.inFlight, 1);
      this.metrics.droppedScrapes.inc();
    }
    this.metrics.scrapeBuffer.set(this.buffer.length);
  }

  private async shipLoop(): Promise<void> {
    const stop = this.delivery.stop;
    while (!stop.aborted) {
      if (this.buffer.length === 0) {
        await sleep(this.config.pollMs, stop);
        continue;
      }
      const batch = this.buffer.slice(0, MAX_SCRAPES_PER_EXPORT);
      this.inFlight = batch.length;
      const items = batch.flatMap((scrape) => {
        const resource = targetResource(scrape.target);
        return scrape.metrics.map((metric): ScrapedMetric => ({ scrape, resource, metric }));
      });
      const result = await deliver(this.delivery, '/v1/metrics', items, exportBody);
      if (!result.done) return;
      this.buffer.splice(0, batch.length);
      this.inFlight = 0;
      this.shippedScrapes += batch.length;
      this.metrics.scrapeBuffer.set(this.buffer.length);
    }
  }
}
