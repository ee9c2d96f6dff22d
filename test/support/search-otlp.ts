// Spans and log records with exactly known content for the search and query DSL tests, as
// OTLP/JSON export requests. The tests compute what the API must answer from these same objects.
import { createHash } from 'node:crypto';

export type TestAttr = string | bigint | boolean | { readonly double: number };

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
  readonly attrs: Readonly<Record<string, TestAttr>>;
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
  readonly attrs: Readonly<Record<string, TestAttr>>;
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

function anyValue(v: TestAttr): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'bigint') return { intValue: v.toString() };
  if (typeof v === 'boolean') return { boolValue: v };
  return { doubleValue: v.double };
}

function attributes(attrs: Readonly<Record<string, TestAttr>>): Array<Record<string, unknown>> {
  return Object.entries(attrs).map(([key, v]) => ({ key, value: anyValue(v) }));
}

function resource(service: string, pod: string): Record<string, unknown> {
  return { attributes: attributes({ 'service.name': service, 'k8s.pod.name': pod }) };
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) m.set(key(it), [...(m.get(key(it)) ?? []), it]);
  return m;
}

export function spansRequest(spans: readonly TestSpan[]): Record<string, unknown> {
  return {
    resourceSpans: [...groupBy(spans, (s) => `${s.service}\n${s.pod}`).values()].map((group) => ({
      resource: resource(group[0]?.service ?? '', group[0]?.pod ?? ''),
      scopeSpans: [
        {
          scope: { name: 'search-test', version: '1' },
          spans: group.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId,
            name: s.name,
            kind: s.kind,
            startTimeUnixNano: s.startNs.toString(),
            endTimeUnixNano: (s.startNs + s.durationNs).toString(),
            attributes: attributes(s.attrs),
            status: { code: s.status, message: s.status === 2 ? 'failed' : '' },
          })),
        },
      ],
    })),
  };
}

export function logsRequest(logs: readonly TestLog[]): Record<string, unknown> {
  return {
    resourceLogs: [...groupBy(logs, (l) => `${l.service}\n${l.pod}`).values()].map((group) => ({
      resource: resource(group[0]?.service ?? '', group[0]?.pod ?? ''),
      scopeLogs: [
        {
          scope: { name: 'search-test', version: '1' },
          logRecords: group.map((l) => ({
            timeUnixNano: l.timeNs.toString(),
            observedTimeUnixNano: l.timeNs.toString(),
            severityNumber: l.severityNumber,
            severityText: l.severityText,
            body: { stringValue: l.body },
            attributes: attributes(l.attrs),
            traceId: l.traceId,
            spanId: l.spanId,
          })),
        },
      ],
    })),
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
