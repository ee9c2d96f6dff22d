// What every data point of one metric shares: tenant, service, resource attributes, scope and the
// metric's own name, description and unit. Built once per metric, referenced by its points.
import type { Attribute } from '../../common/model/span.ts';

export interface MetricOrigin {
  readonly tenant: string;
  readonly serviceName: string;
  readonly resourceAttributes: readonly Attribute[];
  readonly scopeName: string;
  readonly scopeVersion: string;
  readonly metricName: string;
  readonly description: string;
  readonly unit: string;
  /** canonicalAttributes(resourceAttributes), for the series fingerprint of every point. */
  readonly resourceCanonical: string;
}
