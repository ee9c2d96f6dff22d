// The shipper's own metrics, on its /metrics. Labels are bounded: signal, result, outcome; file
// paths and target URLs go into logs, never into labels.
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export interface ShipperMetrics {
  readonly lines: Counter<'outcome'>;
  readonly attempts: Counter<'signal' | 'result'>;
  readonly backlogBytes: Gauge;
  readonly files: Gauge;
  readonly scrapes: Counter<'outcome'>;
  readonly scrapeBuffer: Gauge;
  readonly droppedScrapes: Counter;
}

export function createShipperMetrics(registry: Registry): ShipperMetrics {
  const m: ShipperMetrics = {
    lines: new Counter({
      name: 'cairn_shipper_lines_total',
      help: 'Log lines read from files, by outcome: shipped (acknowledged by the collector) or dropped (refused alone, or rejected through partial success)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    attempts: new Counter({
      name: 'cairn_shipper_export_attempts_total',
      help: 'OTLP export attempts, by signal and result (ok, retry, too-large, rejected)',
      labelNames: ['signal', 'result'],
      registers: [registry],
    }),
    backlogBytes: new Gauge({ name: 'cairn_shipper_backlog_bytes', help: 'Bytes written to the followed files and not yet read (the batch in delivery has been read)', registers: [registry] }),
    files: new Gauge({ name: 'cairn_shipper_files', help: 'Files being followed', registers: [registry] }),
    scrapes: new Counter({ name: 'cairn_shipper_scrapes_total', help: 'Scrapes of /metrics targets, by outcome (ok, failed)', labelNames: ['outcome'], registers: [registry] }),
    scrapeBuffer: new Gauge({ name: 'cairn_shipper_scrape_buffer', help: 'Scrapes waiting to be shipped', registers: [registry] }),
    droppedScrapes: new Counter({
      name: 'cairn_shipper_dropped_scrapes_total',
      help: 'Scrapes dropped because the buffer was full while the collector was unreachable (CAIRN_SHIPPER_SCRAPE_BUFFER)',
      registers: [registry],
    }),
  };
  // Known label values start at 0, so a rate or an alert has a series before the first event.
  for (const outcome of ['shipped', 'dropped']) m.lines.inc({ outcome }, 0);
  for (const outcome of ['ok', 'failed']) m.scrapes.inc({ outcome }, 0);
  for (const signal of ['logs', 'metrics']) for (const result of ['ok', 'retry', 'too-large', 'rejected']) m.attempts.inc({ signal, result }, 0);
  return m;
}
