// The interval variables Grafana's Prometheus datasource replaces in PromQL before sending it
// (pkg/promlib/models/query.go, InterpolateVariables and calculateRateInterval):
// $__rate_interval is the larger of interval + scrape interval and four scrape intervals,
// printed as a Go duration ("1m0s"); $__interval as gtime.FormatInterval ("15s"); $__range as
// whole seconds ("3600s").
import { formatInterval, goDurationString, parseDuration } from './grafana-durations.ts';

export interface PromQueryContext {
  /** The query's step, Grafana's calculated interval. */
  readonly intervalMs: number;
  /** The datasource's timeInterval (the Prometheus scrape interval). */
  readonly scrapeInterval: string;
  readonly rangeMs: number;
  /** The target's min step, when it sets one. */
  readonly minStep?: string;
}

function replaceBoth(expr: string, name: string, value: string): string {
  return expr.replaceAll(`\${${name}}`, value).replaceAll(`$${name}`, value);
}

export function rateIntervalMs(intervalMs: number, scrape: string): number {
  const scrapeMs = parseDuration(scrape === '' ? '15s' : scrape);
  return Math.max(intervalMs + scrapeMs, 4 * scrapeMs);
}

/** The PromQL Prometheus receives; names replaced in Grafana's order (_ms and _s forms first). */
export function interpolatePromQL(expr: string, q: PromQueryContext): string {
  const minStep = q.minStep ?? '';
  const rate =
    minStep === '$__rate_interval' || minStep === '${__rate_interval}'
      ? q.intervalMs
      : rateIntervalMs(q.intervalMs, minStep === '' || minStep.includes('$') ? q.scrapeInterval : minStep);
  const rangeS = Math.round(q.rangeMs / 1000);
  let out = expr;
  out = replaceBoth(out, '__interval_ms', String(Math.trunc(q.intervalMs)));
  out = replaceBoth(out, '__interval', formatInterval(q.intervalMs));
  out = replaceBoth(out, '__range_ms', String(Math.trunc(q.rangeMs)));
  out = replaceBoth(out, '__range_s', String(rangeS));
  out = replaceBoth(out, '__range', `${rangeS}s`);
  out = replaceBoth(out, '__rate_interval_ms', String(rate));
  out = replaceBoth(out, '__rate_interval', goDurationString(rate));
  if (out.includes('$')) throw new Error(`unexpanded variable left in ${out}`);
  return out;
}
