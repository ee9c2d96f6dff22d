// Decodes an OTLP/JSON ExportMetricsServiceRequest body and walks resources, scopes, metrics and
// data points. A malformed structure (anything down to a metric's dataPoints that is not the
// object or array the mapping requires) fails the whole body with its JSON path; a malformed
// point, or resource, scope or metric content, rejects only the points it belongs to.
import type { MetricPoint } from '../../common/model/metric.ts';
import type { Attribute } from '../../common/model/span.ts';
import { OtlpDecodeError } from './decode-error.ts';
import { decodeJsonBody, listAt, objectAt, optionalObjectAt } from './json-body.ts';
import { convertJsonAttributes } from './json-attributes.ts';
import type { JsonObject } from './json-fields.ts';
import { isJsonObject, pick, stringField } from './json-fields.ts';
import { parseEnum } from './json-numbers.ts';
import type { MetricOrigin } from './metric-origin.ts';
import type { PointContext } from './metric-point.ts';
import type { MetricsDecodeResult } from './metrics-decode-result.ts';
import {
  convertJsonExponentialHistogramPoint,
  convertJsonHistogramPoint,
  convertJsonNumberPoint,
  convertJsonSummaryPoint,
  convertJsonSumPoint,
} from './metrics-json-point.ts';
import type { MetricDecodeLimits } from './metrics-limits.ts';
import { attributeLimits } from './metrics-limits.ts';
import { checkDataPointCount } from './point-count.ts';
import { DataPointTally } from './point-tally.ts';
import { SpanRejection } from './rejections.ts';
import { canonicalAttributes } from './series-fingerprint.ts';
import { serviceNameFrom } from './span-origin.ts';
import { checkMetricName } from './validate-metric.ts';

type DataKind = 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';

/** One metric after the structural pass: its object, which data field it has, and its raw points. */
interface JsonMetric {
  readonly metric: JsonObject;
  readonly kind: DataKind | undefined;
  readonly data: JsonObject | undefined;
  readonly points: readonly unknown[];
}

interface JsonScope {
  readonly scope: JsonObject | undefined;
  readonly metrics: readonly JsonMetric[];
}

interface JsonResource {
  readonly resource: JsonObject | undefined;
  readonly scopes: readonly JsonScope[];
}

const DATA_FIELDS: readonly (readonly [DataKind, string])[] = [
  ['gauge', 'gauge'],
  ['sum', 'sum'],
  ['histogram', 'histogram'],
  ['exponentialHistogram', 'exponential_histogram'],
  ['summary', 'summary'],
];

const TEMPORALITY_NAMES: ReadonlyMap<string, number> = new Map([
  ['AGGREGATION_TEMPORALITY_UNSPECIFIED', 0],
  ['AGGREGATION_TEMPORALITY_DELTA', 1],
  ['AGGREGATION_TEMPORALITY_CUMULATIVE', 2],
]);

export function decodeJsonMetricsRequest(body: Uint8Array | string, tenant: string, limits: MetricDecodeLimits): MetricsDecodeResult {
  return decodeJsonBody(body, (root) => walkRequest(root, tenant, limits));
}

function walkRequest(root: unknown, tenant: string, limits: MetricDecodeLimits): MetricsDecodeResult {
  const resources = structureOf(root);
  let total = 0;
  for (const resource of resources) total += pointsIn(resource);
  checkDataPointCount(total, limits);

  const attrLimits = attributeLimits(limits);
  const points: MetricPoint[] = [];
  const tally = new DataPointTally();
  for (let r = 0; r < resources.length; r++) {
    const resource = resources[r];
    if (resource === undefined) continue;
    let resourceAttributes: readonly Attribute[];
    try {
      resourceAttributes = convertJsonAttributes(resource.resource?.attributes, attrLimits, 'resource attribute');
    } catch (err) {
      if (!(err instanceof SpanRejection)) throw err;
      tally.add(`resource ${r}`, err.message, pointsIn(resource));
      continue;
    }
    const serviceName = serviceNameFrom(resourceAttributes);
    const resourceCanonical = canonicalAttributes(resourceAttributes);

    for (let c = 0; c < resource.scopes.length; c++) {
      const scope = resource.scopes[c];
      if (scope === undefined) continue;
      for (let m = 0; m < scope.metrics.length; m++) {
        const metric = scope.metrics[m];
        if (metric?.kind === undefined) continue;
        const where = `resource ${r} scope ${c} metric ${m}`;
        let ctx: PointContext;
        let convert: (point: unknown) => MetricPoint;
        try {
          const origin: MetricOrigin = {
            tenant,
            serviceName,
            resourceAttributes,
            scopeName: stringField(scope.scope?.name, 'scope name'),
            scopeVersion: stringField(scope.scope?.version, 'scope version'),
            metricName: stringField(metric.metric.name, 'metric name'),
            description: stringField(metric.metric.description, 'metric description'),
            unit: stringField(metric.metric.unit, 'metric unit'),
            resourceCanonical,
          };
          checkMetricName(origin.metricName, limits.maxMetricNameBytes);
          ctx = { origin, limits, attributeLimits: attrLimits };
          convert = converter(metric.kind, metric.data ?? {}, ctx);
        } catch (err) {
          if (!(err instanceof SpanRejection)) throw err;
          tally.add(where, err.message, metric.points.length);
          continue;
        }
        for (let p = 0; p < metric.points.length; p++) {
          try {
            points.push(convert(metric.points[p]));
          } catch (err) {
            if (!(err instanceof SpanRejection)) throw err;
            tally.add(`${where} point ${p}`, err.message);
          }
        }
      }
    }
  }
  return { points, rejected: tally.count, errorMessage: tally.message() };
}

/** The per-point converter of one metric; reads the metric-level fields (temporality, monotonic) once. */
function converter(kind: DataKind, data: JsonObject, ctx: PointContext): (point: unknown) => MetricPoint {
  switch (kind) {
    case 'gauge':
      return (p) => convertJsonNumberPoint(p, ctx);
    case 'sum': {
      const temporality = temporalityOf(data);
      const monotonic = pick(data, 'isMonotonic', 'is_monotonic') ?? false;
      if (typeof monotonic !== 'boolean') throw new SpanRejection('is_monotonic must be a boolean');
      return (p) => convertJsonSumPoint(p, temporality, monotonic, ctx);
    }
    case 'histogram': {
      const temporality = temporalityOf(data);
      return (p) => convertJsonHistogramPoint(p, temporality, ctx);
    }
    case 'exponentialHistogram': {
      const temporality = temporalityOf(data);
      return (p) => convertJsonExponentialHistogramPoint(p, temporality, ctx);
    }
    case 'summary':
      return (p) => convertJsonSummaryPoint(p, ctx);
  }
}

function temporalityOf(data: JsonObject): number {
  const raw = pick(data, 'aggregationTemporality', 'aggregation_temporality');
  if (raw === undefined) return 0;
  const value = parseEnum(raw, TEMPORALITY_NAMES);
  if (value === undefined) throw new SpanRejection('aggregation_temporality must be an integer');
  return value;
}

function pointsIn(resource: JsonResource): number {
  let n = 0;
  for (const scope of resource.scopes) for (const metric of scope.metrics) n += metric.points.length;
  return n;
}

/** Checks the whole request's structure before any point is converted, so errors are all-or-nothing. */
function structureOf(root: unknown): JsonResource[] {
  if (!isJsonObject(root)) throw new OtlpDecodeError('request body must be a JSON object');
  return listAt(pick(root, 'resourceMetrics', 'resource_metrics'), 'resourceMetrics').map((item, r) => {
    const path = `resourceMetrics[${r}]`;
    const resourceMetrics = objectAt(item, path);
    const scopes = listAt(pick(resourceMetrics, 'scopeMetrics', 'scope_metrics'), `${path}.scopeMetrics`);
    return {
      resource: optionalObjectAt(resourceMetrics.resource, `${path}.resource`),
      scopes: scopes.map((s, c) => scopeAt(s, `${path}.scopeMetrics[${c}]`)),
    };
  });
}

function scopeAt(value: unknown, path: string): JsonScope {
  const scopeMetrics = objectAt(value, path);
  return {
    scope: optionalObjectAt(scopeMetrics.scope, `${path}.scope`),
    metrics: listAt(scopeMetrics.metrics, `${path}.metrics`).map((m, i) => metricAt(m, `${path}.metrics[${i}]`)),
  };
}

function metricAt(value: unknown, path: string): JsonMetric {
  const metric = objectAt(value, path);
  for (const [kind, protoName] of DATA_FIELDS) {
    const raw = pick(metric, kind, protoName);
    if (raw === undefined) continue;
    const data = objectAt(raw, `${path}.${kind}`);
    return { metric, kind, data, points: listAt(pick(data, 'dataPoints', 'data_points'), `${path}.${kind}.dataPoints`) };
  }
  return { metric, kind: undefined, data: undefined, points: [] };
}
