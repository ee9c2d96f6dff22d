// OTLP export requests for the tests, built from small test-side records whose values the tests
// also use to compute the expected answers: spans, log records and metric points as OTLP/JSON
// objects, and the same objects as OTLP/protobuf bytes.
//
// Two record shapes share one builder:
// - TestSpan / TestLog (search and query DSL tests): typed attributes, the service and a pod as
//   the resource, an explicit status code and severity text.
// - SimpleSpan / SimpleLog (insights tests: RED, service graph, correlation): string attributes,
//   the service alone as the resource, an error flag.
import { createHash } from 'node:crypto';
import type protobuf from 'protobufjs';
import { exportLogsServiceRequestType } from '../../collector/otlp/logs-proto-schema.ts';
import { exportMetricsServiceRequestType } from '../../collector/otlp/metrics-proto-schema.ts';
import { exportTraceServiceRequestType } from '../../collector/otlp/proto-schema.ts';
import type { SignalName } from '../../collector/signals/signal.ts';

type Json = Record<string, unknown>;

export type TestAttr = string | bigint | boolean | { readonly double: number };
type TestAttrs = Readonly<Record<string, TestAttr>>;

export interface TestSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly service: string;
  readonly pod: string;
  readonly name: string;
  readonly kind: number;
  readonly startNs: bigint;
  readonly durationNs: bigint;
  readonly status: 0 | 1 | 2;
  readonly attrs: TestAttrs;
}

export interface TestLog {
  readonly timeNs: bigint;
  readonly service: string;
  readonly pod: string;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly attrs: TestAttrs;
}

export interface SimpleSpan {
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

export interface SimpleLog {
  readonly service: string;
  readonly timeNs: bigint;
  readonly severityNumber: number;
  readonly body: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export function hexId(seed: string, chars: 16 | 32): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, chars);
}

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function anyValue(v: TestAttr): Json {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'bigint') return { intValue: v.toString() };
  if (typeof v === 'boolean') return { boolValue: v };
  return { doubleValue: v.double };
}

/** Attributes (of a resource, span, log record or metric point) in OTLP/JSON form. */
export function attributes(attrs: TestAttrs): Json[] {
  return Object.entries(attrs).map(([key, v]) => ({ key, value: anyValue(v) }));
}

/** What a record's resource is made of: its service, and its pod when the test names one. */
interface Emitter {
  readonly service: string;
  readonly pod?: string;
}

function resource(e: Emitter): Json {
  return { attributes: attributes(e.pod === undefined ? { 'service.name': e.service } : { 'service.name': e.service, 'k8s.pod.name': e.pod }) };
}

/** An export request: one resource per service and pod, in order of first appearance, one scope each. */
function exportRequest<T extends Emitter>(signal: 'Spans' | 'Logs', scope: string, items: readonly T[], record: (item: T) => Json): Json {
  const groups = new Map<string, { resource: Json; records: Json[] }>();
  for (const item of items) {
    const key = `${item.service}\n${item.pod ?? ''}`;
    const group = groups.get(key) ?? { resource: resource(item), records: [] };
    group.records.push(record(item));
    groups.set(key, group);
  }
  return {
    [`resource${signal}`]: [...groups.values()].map((g) => ({
      resource: g.resource,
      [`scope${signal}`]: [{ scope: { name: scope, version: '1' }, [signal === 'Spans' ? 'spans' : 'logRecords']: g.records }],
    })),
  };
}

type SpanIdentity = Pick<TestSpan, 'traceId' | 'spanId' | 'parentSpanId' | 'name' | 'kind' | 'startNs'>;

function spanRecord(s: SpanIdentity, endNs: bigint, attrs: TestAttrs, status: Json): Json {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: s.startNs.toString(),
    endTimeUnixNano: endNs.toString(),
    attributes: attributes(attrs),
    status,
  };
}

type LogContent = Pick<TestLog, 'timeNs' | 'severityNumber' | 'body' | 'traceId' | 'spanId'>;

function logRecord(l: LogContent, attrs: TestAttrs): Json {
  return {
    timeUnixNano: l.timeNs.toString(),
    severityNumber: l.severityNumber,
    body: { stringValue: l.body },
    attributes: attributes(attrs),
    traceId: l.traceId,
    spanId: l.spanId,
  };
}

export function spansRequest(spans: readonly TestSpan[]): Json {
  return exportRequest('Spans', 'search-test', spans, (s) =>
    spanRecord(s, s.startNs + s.durationNs, s.attrs, { code: s.status, message: s.status === 2 ? 'failed' : '' }),
  );
}

export function logsRequest(logs: readonly TestLog[]): Json {
  return exportRequest('Logs', 'search-test', logs, (l) => ({
    ...logRecord(l, l.attrs),
    observedTimeUnixNano: l.timeNs.toString(),
    severityText: l.severityText,
  }));
}

export function simpleSpansRequest(spans: readonly SimpleSpan[]): Json {
  return exportRequest('Spans', 'insights-test', spans, (s) => spanRecord(s, s.endNs, s.attributes, s.error ? { code: 2, message: 'failed' } : {}));
}

export function simpleLogsRequest(logs: readonly SimpleLog[]): Json {
  return exportRequest('Logs', 'insights-test', logs, (l) => logRecord(l, l.attributes));
}

/** One resource with the given metrics (OTLP/JSON `Metric` objects). */
export function metricsRequest(resourceAttributes: Readonly<Record<string, string>>, metrics: readonly Json[]): Json {
  return {
    resourceMetrics: [{ resource: { attributes: attributes(resourceAttributes) }, scopeMetrics: [{ scope: { name: 'insights-test', version: '1' }, metrics }] }],
  };
}

/** The attribute as Cairn stores its text: what `=` compares against. */
export function storedText(v: TestAttr): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v.double);
}

/** The attribute as a number, as numeric comparisons read it (undefined: never matches). */
export function numericValue(v: TestAttr | undefined): number | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  const text = storedText(v);
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

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
