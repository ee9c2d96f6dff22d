// GET /api/v1/logs and the live tail GET /api/v1/logs/tail on both engines, with log records sent
// through each one's real ingestion path. Answers are compared with what the test computes from
// the records it sent: full text (terms, phrases, negation, any case), severity, service, ids and
// attribute filters; newest-first pages that together return every line exactly once, identical
// records and same-nanosecond records included; a second tenant never visible; hostile input
// refused or inert; and a tail that receives lines sent after it started, once each.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { hexId, logsRequest, numericValue, storedText } from '../support/search-otlp.ts';
import type { TestLog } from '../support/search-otlp.ts';
import { eventually } from './support/pipeline.ts';
import { api, clusterBackend, embeddedBackend, sendOtlp } from './support/search-backends.ts';
import type { Backend } from './support/search-backends.ts';
import { sql } from '../../common/clickhouse/sql.ts';
import { DEFAULT_READ_LIMITS } from '../../query/storage/read-limits.ts';
import { StorageWork } from '../../query/storage/storage-work.ts';
import { searchLogsWindowed } from '../../query/search/log-search.ts';
import type { LogPosition } from '../../query/search/log-search.ts';

interface ApiLog {
  timeUnixNano: string;
  severityNumber: number;
  body: { stringValue?: string };
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  resource: { attributes: Array<{ key: string; value: Record<string, unknown> }> };
  traceId: string;
  spanId: string;
  serviceName: string;
}
interface SearchBody {
  logs: ApiLog[];
  nextCursor: string | null;
  stats: { rowsRead: number; bytesRead: number; elapsedMs: number };
  error?: { code: string; message: string; field?: string };
}

const MS = 1_000_000n;
const WORDS = ['payment', 'timeout', 'Connection reset', 'health check', 'GET /api/orders', 'retrying', 'user login', 'ERROR disk full'];

function makeLogs(salt: string, count: number, nowMs: number): TestLog[] {
  const logs: TestLog[] = [];
  for (let i = 0; i < count; i++) {
    // Every fifth record shares its nanosecond with the previous one; records 30..32 are identical.
    const step = i - Math.floor(i / 5);
    const identical = i >= 30 && i <= 32;
    const n = identical ? 30 : i;
    const words = [WORDS[n % WORDS.length], WORDS[(n * 3 + 1) % WORDS.length]].join(' ');
    logs.push({
      timeNs: BigInt(nowMs - 50 * 60_000 + (identical ? 30 : step) * 15_000) * MS + (identical ? 0n : BigInt(step % 3)),
      service: ['checkout', 'billing', 'search'][n % 3] ?? 'checkout',
      pod: `${n % 2 === 0 ? 'api' : 'worker'}-${n % 5}`,
      severityNumber: [9, 9, 13, 17, 5, 21, 18][n % 7] ?? 9,
      severityText: '',
      body: `${salt} #${n} ${words}${n % 6 === 0 ? ' [Timeout]' : ''}`,
      traceId: n % 4 === 0 ? '' : hexId(`${salt}:t:${n % 10}`, 32),
      spanId: n % 4 === 0 ? '' : hexId(`${salt}:s:${n}`, 16),
      attrs: {
        'http.status_code': BigInt([200, 500, 404, 503][n % 4] ?? 200),
        ...(n % 3 === 0 ? { 'user.id': `u-${n % 7}` } : {}),
        retry: n % 2 === 0,
      },
    });
  }
  return logs;
}

/** One line as comparable text: what the test sent, and what the API returned. */
function sentKey(l: TestLog): string {
  return JSON.stringify([l.timeNs.toString(), l.service, l.severityNumber, l.body, l.traceId, l.spanId, Object.entries(l.attrs).map(([k, v]) => [k, storedText(v)])]);
}
function apiKey(l: ApiLog): string {
  const text = (v: Record<string, unknown>): string => String(Object.values(v)[0]);
  return JSON.stringify([l.timeUnixNano, l.serviceName, l.severityNumber, l.body.stringValue, l.traceId, l.spanId, l.attributes.map((a) => [a.key, text(a.value)])]);
}

function sortedKeys(keys: readonly string[]): string[] {
  return [...keys].sort();
}

/** The API's lines must be exactly `want` (as a multiset), newest first. */
function assertLines(got: readonly ApiLog[], want: readonly TestLog[], what: string): void {
  assert.deepEqual(sortedKeys(got.map(apiKey)), sortedKeys(want.map(sentKey)), what);
  for (let i = 1; i < got.length; i++) {
    assert.ok(BigInt(got[i - 1]?.timeUnixNano ?? 0) >= BigInt(got[i]?.timeUnixNano ?? 0), `${what}: newest first`);
  }
}

const has = (l: TestLog, s: string): boolean => l.body.toLowerCase().includes(s.toLowerCase());
const num = (l: TestLog, k: string): number | undefined => numericValue(l.attrs[k]);

const CASES: ReadonlyArray<readonly [string, (l: TestLog) => boolean]> = [
  ['q=timeout%20payment', (l) => has(l, 'timeout') && has(l, 'payment')],
  ['q=TIMEOUT', (l) => has(l, 'timeout')],
  [`q=${encodeURIComponent('"connection reset"')}`, (l) => has(l, 'connection reset')],
  [`q=${encodeURIComponent('reset -"health check" -login')}`, (l) => has(l, 'reset') && !has(l, 'health check') && !has(l, 'login')],
  ['severity=error', (l) => l.severityNumber >= 17 && l.severityNumber <= 20],
  ['severity=warn&service=billing', (l) => l.severityNumber >= 13 && l.severityNumber <= 16 && l.service === 'billing'],
  ['service=checkout&q=%5Btimeout%5D', (l) => l.service === 'checkout' && has(l, '[timeout]')],
  ['filter=log.http.status_code>=500', (l) => (num(l, 'http.status_code') ?? 0) >= 500],
  ['filter=resource.k8s.pod.name=~^api-[0-2]$', (l) => /^api-[0-2]$/.test(l.pod)],
  ['filter=exists:log.user.id&filter=severity>=warn', (l) => l.attrs['user.id'] !== undefined && l.severityNumber >= 13],
  ['filter=!exists:trace_id', (l) => l.traceId === ''],
  ['filter=body=~(?i)^[a-z]%2B%20%233[0-9]%20', (l) => /^[a-z]+ #3[0-9] /i.test(l.body)],
  ['filter=log.retry=true&filter=log.user.id!=u-3', (l) => l.attrs['retry'] === true && storedText(l.attrs['user.id'] ?? '') !== 'u-3'],
];

/**
 * A streaming GET over node:http with its own connection (fetch's pool opens a spare connection
 * after an abort, which holds the server's close for a minute), read as NDJSON lines as they come.
 */
class NdjsonStream {
  readonly lines: Array<Record<string, unknown>> = [];
  private buffered = '';
  private ended = false;
  private wake: (() => void) | null = null;

  private constructor(
    private readonly req: ClientRequest,
    readonly res: IncomingMessage,
  ) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.buffered += chunk;
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        this.lines.push(JSON.parse(this.buffered.slice(0, nl)) as Record<string, unknown>);
        this.buffered = this.buffered.slice(nl + 1);
      }
      this.wake?.();
    });
    res.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
  }

  static open(url: string, key: string): Promise<NdjsonStream> {
    return new Promise((resolve, reject) => {
      const req = get(url, { agent: false, headers: { authorization: `Bearer ${key}` } });
      req.once('response', (res) => {
        resolve(new NdjsonStream(req, res));
      });
      req.once('error', reject);
    });
  }

  /** Waits until `until(lines)` holds, the stream ends or `timeoutMs` passes; returns all lines so far. */
  async readUntil(until: (lines: ReadonlyArray<Record<string, unknown>>) => boolean, timeoutMs: number): Promise<Array<Record<string, unknown>>> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended && !until(this.lines) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.lines;
  }

  /** Disconnects, as a client that goes away. */
  close(): void {
    this.req.destroy();
  }
}

function exercise(open: () => Promise<Backend>): void {
  let b: Backend;
  let logsA: TestLog[];
  let logsB: TestLog[];
  const search = (query: string, key = b.keyA): Promise<{ status: number; body: SearchBody }> => api<SearchBody>(b, `/api/v1/logs?${query}`, key);

  async function allPages(query: string, limit: number): Promise<{ lines: ApiLog[]; pages: number }> {
    const lines: ApiLog[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: { status: number; body: SearchBody } = await search(`${query}&limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.ok(r.body.logs.length <= limit);
      lines.push(...r.body.logs);
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 100);
    return { lines, pages };
  }

  before(async () => {
    b = await open();
    const now = Date.now();
    logsA = makeLogs('alpha', 90, now);
    logsB = makeLogs('bravo', 20, now);
    await sendOtlp(b, '/v1/logs', logsRequest(logsA), b.keyA);
    await sendOtlp(b, '/v1/logs', logsRequest(logsB), b.keyB);
    for (const [key, logs] of [[b.keyA, logsA], [b.keyB, logsB]] as const) {
      await eventually(`${logs.length} logs searchable`, 90_000, async () => {
        const r = await search('limit=1000', key);
        return r.status === 200 && r.body.logs.length === logs.length ? true : undefined;
      });
    }
  });

  after(async () => {
    await b.close();
  });

  void it('finds lines by full text, severity, service, ids and attributes', async () => {
    for (const [query, match] of CASES) {
      const r = await search(`${query}&limit=1000`);
      assert.equal(r.status, 200, `${query}: ${JSON.stringify(r.body)}`);
      const want = logsA.filter(match);
      assert.ok(want.length > 0 && want.length < logsA.length, `case ${query} should select some lines (${want.length})`);
      assertLines(r.body.logs, want, query);
    }
    const traced = logsA.find((l) => l.traceId !== '');
    assert.ok(traced !== undefined);
    const byTrace = await search(`traceId=${traced.traceId.toUpperCase()}&limit=1000`);
    assertLines(byTrace.body.logs, logsA.filter((l) => l.traceId === traced.traceId), 'traceId');
    const bySpan = await search(`spanId=${traced.spanId}`);
    assertLines(bySpan.body.logs, logsA.filter((l) => l.spanId === traced.spanId), 'spanId');
    assert.ok(byTrace.body.stats.rowsRead > 0 && byTrace.body.stats.bytesRead > 0);
  });

  void it('pages newest first through every line exactly once, ties and identical lines included', async () => {
    for (const [query, limit] of [['q=', 7], ['service=checkout', 4], ['q=%23', 1]] as const) {
      const { lines, pages } = await allPages(query, limit);
      const want = query === 'service=checkout' ? logsA.filter((l) => l.service === 'checkout') : logsA;
      assertLines(lines, want, `${query} by ${limit}`);
      assert.equal(pages, Math.ceil(want.length / limit), `${query} pages`);
    }
  });

  void it('reads newest windows first and still pages through every line exactly once', async () => {
    // One-minute first window: the 50 minutes of lines span windows of 1, 4, 16 and 64 minutes.
    const reader = new StorageWork(b.clickhouse, new AbortController().signal, 30_000, DEFAULT_READ_LIMITS);
    const range = { fromMs: Date.now() - 3 * 3_600_000, toMs: Date.now() + 60_000 };
    for (const limit of [1, 6, 1000]) {
      const got: unknown[] = [];
      let after: LogPosition | undefined;
      for (let pages = 0; pages < 200; pages++) {
        const page = await searchLogsWindowed(reader, b.target, { tenant: 'team-a', range, filters: sql`1`, limit, after, firstWindowMs: 60_000 });
        got.push(...page.logs);
        if (page.next === null) break;
        after = page.next;
      }
      assertLines(got as ApiLog[], logsA, `windowed by ${limit}`);
    }
  });

  void it('never shows another tenant\'s lines', async () => {
    const asB = await search('limit=1000', b.keyB);
    assertLines(asB.body.logs, logsB, 'tenant B');
    const hunt = await search('q=bravo&limit=1000');
    assert.deepEqual(hunt.body.logs, []);
  });

  void it('refuses bad parameters with a 400 naming them, and treats injections as text', async () => {
    for (const [query, field] of [
      ['q=%22open', 'q'],
      ['severity=loud', 'severity'],
      ['filter=log.x%3D~(%3F%3Da)', 'filter[0]'],
      ['filter=span.x%3D1', 'filter[0]'],
      ['limit=0', 'limit'],
      ['cursor=abc', 'cursor'],
      ['start=now-30d', 'start'],
    ] as const) {
      const r = await search(query);
      assert.equal(r.status, 400, `${query}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error?.field, field, query);
    }
    const page = await search('service=checkout&limit=2');
    const other = await search(`service=billing&limit=2&cursor=${page.body.nextCursor ?? ''}`);
    assert.equal(other.status, 400);
    for (const evil of ["' OR 1=1 --", "\\' OR tenant != '", "x') OR ('1'='1", '%_\0\n']) {
      const e = encodeURIComponent(evil);
      for (const query of [`q=${e}`, `q=${encodeURIComponent(JSON.stringify(evil))}`, `service=${e}`, `traceId=${e}`, `spanId=${e}`, `filter=${encodeURIComponent(`log.${JSON.stringify(evil)}=${evil}`)}`, `filter=${encodeURIComponent(`body=${evil}`)}`]) {
        const r = await search(`${query}&limit=1000`);
        assert.equal(r.status, 200, `${query}: ${JSON.stringify(r.body)}`);
        assert.deepEqual(r.body.logs, [], query);
      }
    }
  });

  void it('tails new matching lines once each, and ends', async () => {
    const marker = `tail-${randomBytes(4).toString('hex')}`;
    const stream = await NdjsonStream.open(`${b.queryUrl}/api/v1/logs/tail?q=${marker}&severity=error&intervalMs=250&maxDurationS=120`, b.keyA);
    assert.equal(stream.res.statusCode, 200);
    assert.equal(stream.res.headers['content-type'], 'application/x-ndjson');
    const started = await stream.readUntil((l) => l.length >= 1, 10_000);
    assert.equal(started[0]?.['type'], 'start');
    const now = BigInt(Date.now()) * MS;
    const line = (body: string, severityNumber: number, offset: bigint): TestLog => ({
      timeNs: now + offset,
      service: 'tailed',
      pod: 'api-9',
      severityNumber,
      severityText: '',
      body,
      traceId: '',
      spanId: '',
      attrs: {},
    });
    // Two identical matching lines (both must arrive), one that does not match, one of tenant B.
    const matching = [line(`${marker} disk full`, 17, 0n), line(`${marker} disk full`, 17, 0n), line(`${marker} second`, 18, 5n)];
    await sendOtlp(b, '/v1/logs', logsRequest([...matching, line(`${marker} info only`, 9, 1n)]), b.keyA);
    await sendOtlp(b, '/v1/logs', logsRequest([line(`${marker} other tenant`, 17, 2n)]), b.keyB);
    const logLines = (ls: ReadonlyArray<Record<string, unknown>>): ApiLog[] => ls.filter((l) => l['type'] === 'log').map((l) => l['log'] as ApiLog);
    await stream.readUntil((ls) => logLines(ls).length >= 3, 90_000);
    // A few more polls: nothing is sent twice.
    const all = await stream.readUntil(() => false, 2000);
    stream.close();
    const got = logLines(all);
    assert.deepEqual(sortedKeys(got.map(apiKey)), sortedKeys(matching.map(sentKey)));
    assert.ok(BigInt(got[0]?.timeUnixNano ?? 0) <= BigInt(got[2]?.timeUnixNano ?? 0), 'oldest first');

    const short = await NdjsonStream.open(`${b.queryUrl}/api/v1/logs/tail?maxDurationS=1&intervalMs=250&q=${marker}-none`, b.keyA);
    const ended = await short.readUntil((ls) => ls.some((l) => l['type'] === 'end'), 15_000);
    const end = ended.at(-1);
    assert.equal(end?.['type'], 'end');
    assert.equal(end['reason'], 'maxDuration');
    assert.ok((end['stats'] as { rowsRead: number }).rowsRead >= 0);
    assert.deepEqual(logLines(ended), []);

    const bad = await api<SearchBody>(b, '/api/v1/logs/tail?filter=log.x%3D~a**', b.keyA);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error?.field, 'filter[0]');
  });
}

void describe('log search and tail on the ClickHouse 18.16 cluster (through Kafka)', () => {
  exercise(() => clusterBackend('lsearch'));
});

void describe('log search and tail on the embedded engine (chdb)', () => {
  exercise(() => embeddedBackend());
});
