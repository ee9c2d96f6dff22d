// The questions the query benchmark asks, each as the HTTP request an on-call engineer's tool
// would send, with a check that the answer is the right one (a fast wrong answer is no answer),
// and the latency target the issue sets where it sets one.
import type { DatasetShape } from './dataset.ts';
import { DAY_S, OPERATIONS, SERVICES, SPANS_PER_TRACE, traceCount, traceIdOf } from './dataset.ts';

export interface BenchRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
}

export interface Scenario {
  readonly name: string;
  /** e.g. 'p99 < 100 ms'; '' when the issue sets none. */
  readonly target: string;
  readonly targetQuantile?: number;
  readonly targetMs?: number;
  request(i: number): BenchRequest;
  /** '' if the answer is right, else what is wrong with it. */
  check(body: unknown, i: number): string;
}

const iso = (s: number): string => new Date(s * 1000).toISOString();
/** A deterministic spread of picks, so runs ask the same questions. */
const pick = (i: number, n: number): number => (i * 7919 + 13) % n;

function field(body: unknown, key: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
}

export function scenarios(shape: DatasetShape): Scenario[] {
  const traces = traceCount(shape);
  const hourOf = (i: number): { start: string; end: string } => {
    const s = shape.start + 3600 * (1 + pick(i, 22));
    return { start: iso(s), end: iso(s + 3600) };
  };
  const day = { start: iso(shape.start), end: iso(shape.start + DAY_S) };
  return [
    {
      name: 'trace by id',
      target: 'p99 < 100 ms',
      targetQuantile: 0.99,
      targetMs: 100,
      request: (i) => ({ method: 'GET', path: `/api/v1/traces/${traceIdOf(pick(i, traces))}` }),
      check: (body) => {
        const spans = field(body, 'spans');
        return Array.isArray(spans) && spans.length === SPANS_PER_TRACE ? '' : `expected ${SPANS_PER_TRACE} spans`;
      },
    },
    {
      name: 'trace search (service, 1 h, duration > 100 ms)',
      target: '',
      request: (i) => {
        const h = hourOf(i);
        const q = new URLSearchParams({ service: `svc-${pick(i, SERVICES)}`, minDurationMs: '100', start: h.start, end: h.end, limit: '20' });
        return { method: 'GET', path: `/api/v1/traces?${q.toString()}` };
      },
      check: (body) => (Array.isArray(field(body, 'traces')) && (field(body, 'traces') as unknown[]).length > 0 ? '' : 'no traces found'),
    },
    {
      name: 'log full-text search over a day',
      target: 'p95 < 1 s',
      targetQuantile: 0.95,
      targetMs: 1000,
      request: (i) => {
        const q = new URLSearchParams({ q: i % 2 === 0 ? 'timeout' : '"upstream timeout" -checkout', start: day.start, end: day.end, limit: '100' });
        return { method: 'GET', path: `/api/v1/logs?${q.toString()}` };
      },
      check: (body) => {
        const logs = field(body, 'logs');
        return Array.isArray(logs) && logs.length === 100 ? '' : 'expected a full page of 100 matching logs';
      },
    },
    {
      name: 'RED over an hour (one service)',
      target: 'p99 < 300 ms',
      targetQuantile: 0.99,
      targetMs: 300,
      request: (i) => {
        const h = hourOf(i);
        const q = new URLSearchParams({ service: `svc-${pick(i, SERVICES)}`, start: h.start, end: h.end, step: '60' });
        return { method: 'GET', path: `/api/v1/red?${q.toString()}` };
      },
      check: (body) => (JSON.stringify(body).includes('svc-') ? '' : 'no RED rows'),
    },
    {
      name: 'group-by over a day (DSL: count, p99 by service)',
      target: '',
      request: (i) => ({
        method: 'POST',
        path: '/api/v1/query',
        body: {
          signal: 'traces',
          start: day.start,
          end: day.end,
          filters: [{ field: 'operation', op: '=', value: `op-${pick(i, OPERATIONS)}` }],
          groupBy: ['service'],
          aggregates: [{ fn: 'count' }, { fn: 'quantile', field: 'duration', q: 0.99 }],
          orderBy: [{ name: 'count', dir: 'desc' }],
          limit: 100,
        },
      }),
      check: (body) => {
        const rows = field(body, 'rows');
        return Array.isArray(rows) && rows.length > 0 && rows.length <= SERVICES ? '' : 'expected one row per service';
      },
    },
  ];
}
