// Turns scraped Prometheus families into OTLP/JSON metrics: counters become monotonic cumulative
// sums, gauges and untyped samples gauges, histograms explicit-bucket histograms (cumulative `le`
// buckets become per-bucket counts) and summaries summaries. Prometheus does not say when a
// counter started, so, as the OpenTelemetry Collector's Prometheus receiver does, a series' start
// is the first scrape that saw it, and a new start is taken when its value (or count) goes down: a
// reset, e.g. the target restarted. Series missing from a scrape are forgotten, so memory follows
// the target's current series.
import type { Family, Sample } from './prom-text.ts';

type JsonAttribute = { key: string; value: { stringValue: string } };
type JsonDouble = number | 'NaN' | 'Infinity' | '-Infinity';
export type OtlpMetric = Record<string, unknown> & { name: string };

interface Seen {
  readonly startNs: bigint;
  readonly last: number;
}

/** Proto3 JSON for a double: non-finite values are strings. */
function jsonDouble(v: number): JsonDouble {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

function attributes(labels: Readonly<Record<string, string>>, skip: string): JsonAttribute[] {
  return Object.keys(labels)
    .filter((k) => k !== skip)
    .sort()
    .map((key) => ({ key, value: { stringValue: labels[key] ?? '' } }));
}

function seriesKey(family: string, labels: Readonly<Record<string, string>>, skip: string): string {
  return JSON.stringify([family, ...attributes(labels, skip).map((a) => [a.key, a.value.stringValue])]);
}

function sampleTimeNs(s: Sample, scrapeNs: bigint): bigint {
  return s.timestampMs === undefined ? scrapeNs : BigInt(s.timestampMs) * 1_000_000n;
}

/** Samples of one family grouped by series (labels without `le`/`quantile`), in order. */
function bySeries(f: Family, skip: string): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>();
  for (const s of f.samples) {
    const key = seriesKey(f.name, s.labels, skip);
    out.set(key, [...(out.get(key) ?? []), s]);
  }
  return out;
}

export class PromToOtlp {
  private seen = new Map<string, Seen>();
  private next = new Map<string, Seen>();

  /** One scrape's families as OTLP metrics, all stamped `scrapeNs` unless a sample has its own time. */
  convert(families: readonly Family[], scrapeNs: bigint): OtlpMetric[] {
    this.next = new Map();
    const metrics = families.map((f) => this.metric(f, scrapeNs)).filter((m): m is OtlpMetric => m !== null);
    this.seen = this.next;
    return metrics;
  }

  /** The series' start: kept while `value` does not go down, else now (a reset). */
  private start(key: string, value: number, nowNs: bigint): bigint {
    const prev = this.seen.get(key);
    const startNs = prev !== undefined && !(value < prev.last) ? prev.startNs : nowNs;
    this.next.set(key, { startNs, last: value });
    return startNs;
  }

  private metric(f: Family, scrapeNs: bigint): OtlpMetric | null {
    const base = { name: f.name, description: f.help, unit: '' };
    switch (f.type) {
      case 'gauge':
      case 'untyped':
        return { ...base, gauge: { dataPoints: f.samples.map((s) => ({ attributes: attributes(s.labels, ''), timeUnixNano: String(sampleTimeNs(s, scrapeNs)), asDouble: jsonDouble(s.value) })) } };
      case 'counter': {
        const dataPoints = f.samples.map((s) => {
          const time = sampleTimeNs(s, scrapeNs);
          const start = this.start(seriesKey(f.name, s.labels, ''), s.value, time);
          return { attributes: attributes(s.labels, ''), startTimeUnixNano: String(start), timeUnixNano: String(time), asDouble: jsonDouble(s.value) };
        });
        return { ...base, sum: { dataPoints, aggregationTemporality: 2, isMonotonic: true } };
      }
      case 'histogram':
        return { ...base, histogram: { dataPoints: [...bySeries(f, 'le').values()].map((ss) => this.histogramPoint(f, ss, scrapeNs)), aggregationTemporality: 2 } };
      case 'summary':
        return { ...base, summary: { dataPoints: [...bySeries(f, 'quantile').values()].map((ss) => this.summaryPoint(f, ss, scrapeNs)) } };
    }
  }

  private histogramPoint(f: Family, samples: readonly Sample[], scrapeNs: bigint): Record<string, unknown> {
    const first = samples[0];
    const labels = first?.labels ?? {};
    const count = samples.find((s) => s.name === `${f.name}_count`)?.value ?? 0;
    const sum = samples.find((s) => s.name === `${f.name}_sum`)?.value;
    const buckets = samples
      .filter((s) => s.name === `${f.name}_bucket` && s.labels['le'] !== undefined)
      .map((s) => ({ le: Number(s.labels['le'] === '+Inf' ? Infinity : s.labels['le']), cumulative: s.value }))
      .filter((b) => !Number.isNaN(b.le))
      .sort((a, b) => a.le - b.le);
    const finite = buckets.filter((b) => Number.isFinite(b.le));
    const bucketCounts: string[] = [];
    let below = 0;
    for (const b of finite) {
      // Cumulative counts from a well-behaved target never decrease; a broken one cannot make a count negative.
      bucketCounts.push(String(Math.max(0, Math.round(b.cumulative - below))));
      below = Math.max(below, b.cumulative);
    }
    bucketCounts.push(String(Math.max(0, Math.round(count - below))));
    const time = first === undefined ? scrapeNs : sampleTimeNs(first, scrapeNs);
    const start = this.start(seriesKey(f.name, labels, 'le'), count, time);
    return {
      attributes: attributes(labels, 'le'),
      startTimeUnixNano: String(start),
      timeUnixNano: String(time),
      count: String(Math.round(count)),
      ...(sum === undefined ? {} : { sum: jsonDouble(sum) }),
      bucketCounts,
      explicitBounds: finite.map((b) => b.le),
    };
  }

  private summaryPoint(f: Family, samples: readonly Sample[], scrapeNs: bigint): Record<string, unknown> {
    const first = samples[0];
    const labels = first?.labels ?? {};
    const count = samples.find((s) => s.name === `${f.name}_count`)?.value ?? 0;
    const sum = samples.find((s) => s.name === `${f.name}_sum`)?.value ?? 0;
    const quantileValues = samples
      .filter((s) => s.name === f.name && s.labels['quantile'] !== undefined)
      .map((s) => ({ quantile: Number(s.labels['quantile']), value: jsonDouble(s.value) }))
      .filter((q) => q.quantile >= 0 && q.quantile <= 1)
      .sort((a, b) => a.quantile - b.quantile);
    const time = first === undefined ? scrapeNs : sampleTimeNs(first, scrapeNs);
    const start = this.start(seriesKey(f.name, labels, 'quantile'), count, time);
    return { attributes: attributes(labels, 'quantile'), startTimeUnixNano: String(start), timeUnixNano: String(time), count: String(Math.round(count)), sum: jsonDouble(sum), quantileValues };
  }
}
