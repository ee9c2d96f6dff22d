// The signals this build of Cairn receives and stores, in the order their routes are registered.
// Metrics take their per-request data point limit from configuration.
import { defaultMetricDecodeLimits } from '../otlp/metrics-limits.ts';
import { logsSignal } from './logs.ts';
import { createMetricsSignal } from './metrics.ts';
import type { Signal } from './signal.ts';
import { tracesSignal } from './traces.ts';

export interface SignalLimits {
  readonly maxDataPointsPerRequest: number;
}

export function signalsFor(limits: SignalLimits): readonly Signal[] {
  return [tracesSignal, logsSignal, createMetricsSignal({ ...defaultMetricDecodeLimits, maxDataPointsPerRequest: limits.maxDataPointsPerRequest })];
}
