// The signals this build of Cairn receives and stores, in the order their routes are registered.
// Metrics take their per-request data point limit from configuration.
import { defaultMetricDecodeLimits } from '../otlp/metrics-limits.ts';
import { logsSignal } from './logs.ts';
import { createMetricsSignal } from './metrics.ts';
import type { SeriesLimiter } from './series-limiter.ts';
import type { Signal } from './signal.ts';
import { tracesSignal } from './traces.ts';

export interface SignalLimits {
  readonly maxDataPointsPerRequest: number;
}

/** The signals with configured limits; receivers pass a series limiter, ingesters need none. */
export function signalsFor(limits: SignalLimits, seriesLimiter?: SeriesLimiter): readonly Signal[] {
  const metricLimits = { ...defaultMetricDecodeLimits, maxDataPointsPerRequest: limits.maxDataPointsPerRequest };
  return [tracesSignal, logsSignal, createMetricsSignal(metricLimits, seriesLimiter)];
}
