// The request-wide data point limit, checked before any point is converted: a request over it is
// refused whole (HTTP 400) so the sender learns to split its batches.
import { OtlpDecodeError } from './decode-error.ts';
import type { MetricDecodeLimits } from './metrics-limits.ts';

export function checkDataPointCount(count: number, limits: MetricDecodeLimits): void {
  if (count > limits.maxDataPointsPerRequest) {
    throw new OtlpDecodeError(
      `too many data points: ${count} > ${limits.maxDataPointsPerRequest} (CAIRN_MAX_DATA_POINTS_PER_REQUEST)`,
    );
  }
}
