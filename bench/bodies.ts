// The request bodies the benchmark sends: realistic OTLP traces (spans with ~20 attributes, traces
// of 10 spans) and logs (~500 B records), encoded once with the receiver's own protobuf schemas.
import { randomBytes, randomInt } from 'node:crypto';
import { exportLogsServiceRequestType } from '../collector/otlp/logs-proto-schema.ts';
import { exportTraceServiceRequestType } from '../collector/otlp/proto-schema.ts';
import { locateSlots, placeholders } from './body-template.ts';
import type { BodyTemplate, ItemPlan } from './body-template.ts';

export type BenchSignal = 'traces' | 'logs';

/** Service name of latency probes, kept out of the loss accounting. */
export const PROBE_SERVICE = 'cairn-bench-probe';
export const SPANS_PER_TRACE = 10;

const SERVICES = ['checkout', 'cart', 'payments', 'inventory', 'search', 'accounts', 'shipping', 'frontend'];
const ROUTES = ['/api/v1/orders/{id}', '/api/v1/cart', '/api/v1/items', '/api/v1/users/{id}', '/healthz', '/api/v1/search'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

type AnyValue = { stringValue: string } | { intValue: number } | { boolValue: boolean } | { doubleValue: number };
interface KeyValue {
  key: string;
  value: AnyValue;
}

const pick = <T>(xs: readonly T[]): T => xs[randomInt(xs.length)] as T;
const str = (key: string, v: string): KeyValue => ({ key, value: { stringValue: v } });
const int = (key: string, v: number): KeyValue => ({ key, value: { intValue: v } });
const words = (n: number): string => Array.from({ length: n }, () => pick(WORDS)).join(' ');

function resource(service: string): { attributes: KeyValue[] } {
  return {
    attributes: [
      str('service.name', service),
      str('service.version', `1.${randomInt(20)}.${randomInt(10)}`),
      str('service.instance.id', randomBytes(8).toString('hex')),
      str('host.name', `node-${randomInt(40)}`),
      str('deployment.environment', 'bench'),
      str('telemetry.sdk.name', 'opentelemetry'),
      str('telemetry.sdk.language', 'nodejs'),
      str('telemetry.sdk.version', '2.12.0'),
    ],
  };
}

/** ~20 attributes, the last one the patched sequence number. */
function spanAttributes(route: string, method: string, seqPlaceholder: string): KeyValue[] {
  return [
    str('http.request.method', method),
    str('http.route', route),
    int('http.response.status_code', pick([200, 200, 200, 201, 204, 404, 500])),
    str('url.full', `https://shop.example.com${route.replace('{id}', String(randomInt(1e6)))}?q=${pick(WORDS)}`),
    str('server.address', 'shop.example.com'),
    int('server.port', 443),
    str('user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36'),
    str('db.system', 'postgresql'),
    str('db.statement', `SELECT id, name, price FROM items WHERE category = $1 AND ${pick(WORDS)} = $2 LIMIT 50`),
    int('thread.id', randomInt(64)),
    str('thread.name', `worker-${randomInt(16)}`),
    str('code.function', `handle${pick(WORDS)}`),
    str('code.filepath', `/srv/app/src/routes/${pick(WORDS)}.ts`),
    int('code.lineno', randomInt(2000)),
    str('enduser.id', `user-${randomInt(1e6)}`),
    str('session.id', randomBytes(12).toString('hex')),
    { key: 'feature_flag.new_checkout', value: { boolValue: randomInt(2) === 1 } },
    int('http.request.body.size', randomInt(20_000)),
    { key: 'bench.sample', value: { doubleValue: Math.random() } },
    str('bench.seq', seqPlaceholder),
  ];
}

function nowNs(): number {
  return Date.now() * 1e6;
}

/** One traces request: one resource, one scope, `traces` traces of SPANS_PER_TRACE spans. */
export function traceTemplate(items: number, service = pick(SERVICES)): BodyTemplate {
  const traces = Math.ceil(items / SPANS_PER_TRACE);
  const ph = placeholders(traces, items);
  const plan: ItemPlan[] = Array.from({ length: items }, (_, i) => {
    const root = i - (i % SPANS_PER_TRACE);
    return { traceIndex: Math.floor(i / SPANS_PER_TRACE), parentItem: i === root ? -1 : root };
  });
  const start = nowNs();
  const spans = plan.map((p, i) => {
    const route = pick(ROUTES);
    const method = pick(METHODS);
    const error = randomInt(50) === 0;
    const begin = start + i * 1000;
    return {
      traceId: ph.traceIds[p.traceIndex],
      spanId: ph.spanIds[i],
      ...(p.parentItem < 0 ? {} : { parentSpanId: ph.spanIds[p.parentItem] }),
      name: `${method} ${route}`,
      kind: p.parentItem < 0 ? 2 : 3,
      startTimeUnixNano: begin,
      endTimeUnixNano: begin + randomInt(100_000, 50_000_000),
      attributes: spanAttributes(route, method, ph.seqs[i] ?? ''),
      ...(error
        ? {
            status: { code: 2, message: 'upstream timed out' },
            events: [{ timeUnixNano: begin + 1000, name: 'exception', attributes: [str('exception.type', 'TimeoutError'), str('exception.message', words(8))] }],
          }
        : { status: { code: 1 } }),
    };
  });
  const request = { resourceSpans: [{ resource: resource(service), scopeSpans: [{ scope: { name: '@shop/http', version: '3.1.0' }, spans }] }] };
  const bytes = Buffer.from(exportTraceServiceRequestType.encode(request).finish());
  return { bytes, items: locateSlots(bytes, ph, plan, ['traceId', 'spanId', 'parentSpanId', 'seq']) };
}

/** One logs request: one resource, one scope, `items` records of ~500 B with trace context. */
export function logTemplate(items: number, service = pick(SERVICES)): BodyTemplate {
  const traces = Math.ceil(items / SPANS_PER_TRACE);
  const ph = placeholders(traces, items);
  const plan: ItemPlan[] = Array.from({ length: items }, (_, i) => ({ traceIndex: Math.floor(i / SPANS_PER_TRACE), parentItem: -1 }));
  const start = nowNs();
  const records = plan.map((p, i) => {
    const severity = pick([9, 9, 9, 9, 13, 17, 5]);
    return {
      timeUnixNano: start + i * 1000,
      observedTimeUnixNano: start + i * 1000 + 250_000,
      severityNumber: severity,
      severityText: severity >= 17 ? 'ERROR' : severity >= 13 ? 'WARN' : severity >= 9 ? 'INFO' : 'DEBUG',
      body: { stringValue: `request ${pick(METHODS)} ${pick(ROUTES)} handled for user-${randomInt(1e6)}: ${words(36)}` },
      attributes: [
        str('logger.name', `app.${pick(WORDS)}`),
        str('thread.name', `worker-${randomInt(16)}`),
        str('code.function', `handle${pick(WORDS)}`),
        int('code.lineno', randomInt(2000)),
        str('enduser.id', `user-${randomInt(1e6)}`),
        str('bench.seq', ph.seqs[i] ?? ''),
      ],
      traceId: ph.traceIds[p.traceIndex],
      spanId: ph.spanIds[i],
      flags: 1,
    };
  });
  const request = { resourceLogs: [{ resource: resource(service), scopeLogs: [{ scope: { name: '@shop/logger', version: '3.1.0' }, logRecords: records }] }] };
  const bytes = Buffer.from(exportLogsServiceRequestType.encode(request).finish());
  return { bytes, items: locateSlots(bytes, ph, plan, ['seq', 'traceId', 'spanId']) };
}

export function templatePool(signal: BenchSignal, count: number, itemsPerBody: number): BodyTemplate[] {
  const make = signal === 'traces' ? traceTemplate : logTemplate;
  return Array.from({ length: count }, () => make(itemsPerBody));
}

/** A one-item request from the probe service, for ack-to-queryable sampling. */
export function probeTemplate(signal: BenchSignal): BodyTemplate {
  return signal === 'traces' ? traceTemplate(1, PROBE_SERVICE) : logTemplate(1, PROBE_SERVICE);
}
