// The traces and logs the dashboard test sends, and what the dashboards must then show for them.
// Trace t: frontend SERVER -> frontend CLIENT (peer.service payments) -> payments SERVER ->
// payments CLIENT (peer.service of the ledger) -> ledger SERVER; some fail, and each service logs.
// The ledger's name has a quote and a double quote in it, so the variable quoting is exercised.
import { SpanKind } from '../../../common/model/span.ts';
import { hexId } from '../../support/search-otlp.ts';
import type { SimpleLog, SimpleSpan } from '../../support/search-otlp.ts';

export const FRONTEND = 'frontend';
export const PAYMENTS = 'payments';
export const LEDGER = `ledger's "api"`;
export const SERVICES = [FRONTEND, PAYMENTS, LEDGER] as const;

const NS_PER_S = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;
const ERROR = 17;
const WARN = 13;
const INFO = 9;
const DEBUG = 5;

export interface Telemetry {
  readonly spans: SimpleSpan[];
  readonly logs: SimpleLog[];
}

/** `traces` traces 5 s apart from `baseS` (a whole minute); ids depend on `salt`. */
export function telemetry(baseS: number, traces: number, salt: string): Telemetry {
  const spans: SimpleSpan[] = [];
  const logs: SimpleLog[] = [];
  for (let t = 0; t < traces; t++) {
    const traceId = hexId(`${salt}:${t}`, 32);
    const id = (k: number): string => hexId(`${salt}:${t}:${k}`, 16);
    const root = BigInt(baseS + t * 5) * NS_PER_S;
    const span = (k: number, service: string, name: string, kind: number, durMs: number, error: boolean, attributes: Record<string, string> = {}): void => {
      const startNs = root + BigInt(k) * NS_PER_MS;
      spans.push({ traceId, spanId: id(k), parentSpanId: k === 0 ? '' : id(k - 1), service, name, kind, startNs, endNs: startNs + BigInt(durMs) * NS_PER_MS, error, attributes });
    };
    // Durations grow with t, so the last trace is the slowest one of every service but the ledger.
    span(0, FRONTEND, 'GET /checkout', SpanKind.SERVER, 40 + t, t % 5 === 0);
    span(1, FRONTEND, 'POST /pay', SpanKind.CLIENT, 30 + t, t % 5 === 0, { 'peer.service': PAYMENTS });
    span(2, PAYMENTS, 'POST /pay', SpanKind.SERVER, 20 + t, t % 7 === 0);
    span(3, PAYMENTS, 'POST /entries', SpanKind.CLIENT, 5, t % 11 === 0, { 'peer.service': LEDGER });
    span(4, LEDGER, 'POST /entries', SpanKind.SERVER, 2 + (t % 3), t % 11 === 0);
    const log = (k: number, service: string, severityNumber: number, body: string): void => {
      logs.push({ service, timeNs: root + BigInt(k) * NS_PER_MS + 500n, severityNumber, body, traceId, spanId: id(k), attributes: {} });
    };
    log(0, FRONTEND, INFO, `checkout ${t} started`);
    if (t % 5 === 0) log(0, FRONTEND, ERROR, `checkout ${t} failed`);
    if (t % 7 === 0) log(2, PAYMENTS, ERROR, `payment for order ${t} Declined by the bank`);
    if (t % 7 === 3) log(2, PAYMENTS, WARN, `payment for order ${t} retried`);
    log(4, LEDGER, t % 11 === 0 ? ERROR : DEBUG, `ledger entry ${t} ${t % 11 === 0 ? 'not written' : 'written'}`);
  }
  return { spans, logs };
}

export interface Expected {
  /** SERVER spans (the RED panels count server and consumer spans). */
  readonly requests: number;
  readonly failedRequests: number;
  readonly errorLogs: number;
  readonly logs: number;
  /** (service, operation) of the RED table. */
  readonly operations: string[];
  /** "caller -> callee" of the dependency table (client spans naming their peer). */
  readonly edges: string[];
  /** The trace whose slowest server span is the slowest of all. */
  readonly slowestTrace: string;
}

/** What the service overview must show for `services` (all when empty). */
export function expected(sent: Telemetry, services: readonly string[]): Expected {
  const pick = (s: string): boolean => services.length === 0 || services.includes(s);
  const server = sent.spans.filter((s) => s.kind === SpanKind.SERVER && pick(s.service));
  const logs = sent.logs.filter((l) => pick(l.service));
  const slowest = [...server].sort((a, b) => Number(b.endNs - b.startNs - (a.endNs - a.startNs)) || (a.traceId < b.traceId ? -1 : 1))[0];
  const edges = sent.spans
    .filter((s) => s.kind === SpanKind.CLIENT && (pick(s.service) || pick(s.attributes['peer.service'] ?? '')))
    .map((s) => `${s.service} -> ${s.attributes['peer.service'] ?? ''}`);
  return {
    requests: server.length,
    failedRequests: server.filter((s) => s.error).length,
    errorLogs: logs.filter((l) => l.severityNumber >= ERROR).length,
    logs: logs.length,
    operations: [...new Set(server.map((s) => `${s.service} ${s.name}`))].sort(),
    edges: [...new Set(edges)].sort(),
    slowestTrace: slowest?.traceId ?? '',
  };
}
