// The shipper: follows log files and scrapes /metrics endpoints, shipping both to Cairn over
// OTLP/HTTP. This file wires the parts; log-shipper.ts and metrics-scraper.ts hold the delivery
// rules of each. close() stops after what is in flight and leaves the saved positions final.
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/runtime/logger.ts';
import type { DeliveryContext } from './delivery.ts';
import { LogShipper } from './log-shipper.ts';
import { MetricsScraper } from './metrics-scraper.ts';
import { OffsetStore } from './offset-store.ts';
import { OtlpSender } from './otlp-sender.ts';
import type { ShipperConfig } from './shipper-config.ts';
import { createShipperMetrics } from './shipper-metrics.ts';

export class Shipper {
  private readonly stop = new AbortController();
  private readonly logs: LogShipper;
  private readonly scraper: MetricsScraper;
  private running: Promise<void> | undefined;
  /** '' while the collector takes what is sent (or nothing was sent yet), else why not. */
  private collectorProblem = '';

  constructor(config: ShipperConfig, log: Logger, registry: Registry) {
    const metrics = createShipperMetrics(registry);
    const delivery: DeliveryContext = {
      sender: new OtlpSender({ endpoint: config.endpoint, headers: config.headers, timeoutMs: config.requestTimeoutMs }),
      stop: this.stop.signal,
      maxRetryDelayMs: config.maxRetryDelayMs,
      log,
      metrics,
      onAttempt: (problem) => {
        this.collectorProblem = problem;
      },
    };
    this.logs = new LogShipper(config, delivery, new OffsetStore(config.stateFile), metrics, log.child({ component: 'logs' }));
    this.scraper = new MetricsScraper(config, delivery, metrics, log.child({ component: 'scrape' }));
  }

  get shippedLines(): number {
    return this.logs.shippedLines;
  }

  get shippedScrapes(): number {
    return this.scraper.shippedScrapes;
  }

  /** For /readyz: the collector's last answer. */
  collectorStatus(): string {
    return this.collectorProblem === '' ? '' : `collector not accepting: ${this.collectorProblem}`;
  }

  /** Runs until close(). */
  run(): Promise<void> {
    this.running ??= Promise.all([this.logs.run(), this.scraper.run()]).then(() => undefined);
    return this.running;
  }

  /** Stops after the batches in flight; safe to call twice. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.running;
  }
}
