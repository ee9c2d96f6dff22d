// OTLP export requests for the insights tests, built from small test-side records whose values the
// tests also use to compute the expected answers: spans, log records and metric points, as
// OTLP/JSON objects, and the same objects as OTLP/protobuf bytes.
import type protobuf from 'protobufjs';
import { exportLogsServiceRequestType } from '../../../collector/otlp/logs-proto-schema.ts';
import { exportMetricsServiceRequestType } from '../../../collector/otlp/metrics-proto-schema.ts';
import { exportTraceServiceRequestType } from '../../../collector/otlp/proto-schema.ts';
import type { SignalName } from '../../../collector/signals/signal.ts';

export interface TestSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly service: string;
  readonly name: string;
  readonly kind: number;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly error: boolean;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface TestLog {
  readonly service: string;
  readonly timeNs: bigint;
  readonly severityNumber: number;
  readonly body: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly attributes: Readonly<Record<string, string>>;
}

type Json = Record<string, unknown>;

const kv = (attrs: Readonly<Record<string, string>>): Json[] => Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: v } }));

function byService<T extends { readonly service: string }>(items: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(item.service, [...(map.get(item.service) ?? []), item]);
  return map;
}

export function tracesRequest(spans: readonly TestSpan[]): Json {
  return {
    resourceSpans: [...byService(spans)].map(([service, list]) => ({
      resource: { attributes: kv({ 'service.name': service }) },
      scopeSpans: [
        {
          scope: { name: 'insights-test', version: '1' },
          spans: list.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId,
            name: s.name,
            kind: s.kind,
            startTimeUnixNano: s.startNs.toString(),
            endTimeUnixNano: s.endNs.toString(),
            attributes: kv(s.attributes),
            status: s.error ? { code: 2, message: 'failed' } : {},
          })),
        },
      ],
    })),
  };
}

export function logsRequest(logs: readonly TestLog[]): Json {
  return {
    resourceLogs: [...byService(logs)].map(([service, list]) => ({
      resource: { attributes: kv({ 'service.name': service }) },
      scopeLogs: [
        {
          scope: { name: 'insights-test', version: '1' },
          logRecords: list.map((l) => ({
            timeUnixNano: l.timeNs.toString(),
            severityNumber: l.severityNumber,
            body: { stringValue: l.body },
            attributes: kv(l.attributes),
            traceId: l.traceId,
            spanId: l.spanId,
          })),
        },
      ],
    })),
  };
}

/** One resource with the given metrics (OTLP/JSON `Metric` objects). */
export function metricsRequest(resource: Readonly<Record<string, string>>, metrics: readonly Json[]): Json {
  return {
    resourceMetrics: [{ resource: { attributes: kv(resource) }, scopeMetrics: [{ scope: { name: 'insights-test', version: '1' }, metrics }] }],
  };
}

/** Point attributes in OTLP/JSON form. */
export const attributes = kv;

const REQUEST_TYPES: Readonly<Record<SignalName, protobuf.Type>> = {
  traces: exportTraceServiceRequestType,
  logs: exportLogsServiceRequestType,
  metrics: exportMetricsServiceRequestType,
};
const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

// OTLP/JSON writes ids as hex; protobuf carries bytes.
function idsToBytes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(idsToBytes);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, ID_FIELDS.has(k) && typeof v === 'string' ? Buffer.from(v, 'hex') : idsToBytes(v)]),
  );
}

/** The OTLP/JSON request as OTLP/protobuf bytes. */
export function toProtobuf(signal: SignalName, request: Json): Uint8Array {
  const type = REQUEST_TYPES[signal];
  return type.encode(type.fromObject(idsToBytes(request) as Json)).finish();
}

export const PROTOBUF = 'application/x-protobuf';
export const JSON_TYPE = 'application/json';
