// What a metrics decoder hands the receiver: the accepted data points plus the OTLP
// partial-success figures (rejected_data_points, error_message) for the rest.
import type { MetricPoint } from '../../common/model/metric.ts';

export interface MetricsDecodeResult {
  points: MetricPoint[];
  /** Data points rejected, as ExportMetricsPartialSuccess counts them. */
  rejected: number;
  /** '' when nothing was rejected; else a bounded summary of the first few reasons. */
  errorMessage: string;
}
