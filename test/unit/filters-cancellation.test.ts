// Deadline and cancellation of every search and query route, over real HTTP on loopback with a
// fake storage whose reads never finish on their own: a client that disconnects aborts the
// storage call (the real runner then kills the ClickHouse query by its id), and a request past its
// deadline is answered 504 with the storage call aborted too.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { readAuth } from '../../common/auth/auth-config.ts';
import type { QueryResult, RunOptions, SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { storageTarget } from '../../common/clickhouse/topology.ts';
import { createHttpApp } from '../../common/runtime/http-app.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { registerErrorHandler } from '../../query/plugins/error-handler.ts';
import { registerTenant } from '../../query/plugins/tenant.ts';
import { registerQueryDslRoutes } from '../../query/routes/query-dsl.ts';
import { registerSearchRoutes } from '../../query/routes/search.ts';

/** Storage whose reads hang until their signal aborts; it records each read's fate. */
class HangingStorage implements SqlRunner {
  readonly engine = 'embedded' as const;
  readonly reads: Array<{ settings: RunOptions['settings']; aborted: Promise<unknown> }> = [];

  queryWithStats<T>(_query: unknown, o?: RunOptions): Promise<QueryResult<T>> {
    return new Promise((_resolve, reject) => {
      const signal = o?.signal;
      assert.ok(signal !== undefined, 'every read carries a signal');
      const aborted = new Promise<unknown>((resolve) => {
        signal.addEventListener('abort', () => {
          resolve(signal.reason);
          reject(new Error('aborted'));
        });
      });
      this.reads.push({ settings: o?.settings, aborted });
    });
  }
  command(): Promise<void> {
    return Promise.resolve();
  }
  queryRows<T>(): Promise<T[]> {
    return Promise.resolve([]);
  }
  insertJsonEachRow(): Promise<void> {
    return Promise.resolve();
  }
  ping(): Promise<boolean> {
    return Promise.resolve(true);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function build(storage: SqlRunner, timeoutMs: number): FastifyInstance {
  const logger = createLogger('silent', 'test-cancel');
  const app = createHttpApp(logger, 1024 * 1024);
  registerErrorHandler(app);
  registerTenant(app, readAuth({ CAIRN_AUTH: 'none', CAIRN_TENANT: 't' }, 'none'));
  const ctx = { clickhouse: storage, target: storageTarget('cairn', null), schemaStatus: () => '', timeoutMs, logger };
  registerSearchRoutes(app, ctx);
  registerQueryDslRoutes(app, ctx);
  return app;
}

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  return typeof a === 'object' && a !== null ? a.port : 0;
}

const ROUTES: ReadonlyArray<{ path: string; body?: string }> = [
  { path: '/api/v1/traces?service=a' },
  { path: '/api/v1/logs?q=x' },
  { path: '/api/v1/logs/tail?q=x' },
  { path: '/api/v1/query', body: JSON.stringify({ signal: 'logs', aggregates: [{ fn: 'count' }] }) },
];

/** Sends the request and returns once the server has started a storage read; then disconnects. */
function sendAndDisconnect(port: number, route: { path: string; body?: string }, storage: HangingStorage): Promise<void> {
  const before = storage.reads.length;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: route.path, method: route.body === undefined ? 'GET' : 'POST', agent: false, headers: route.body === undefined ? {} : { 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(route.body);
    const started = Date.now();
    const check = setInterval(() => {
      if (storage.reads.length > before) {
        clearInterval(check);
        req.destroy();
        resolve();
      } else if (Date.now() - started > 5000) {
        clearInterval(check);
        reject(new Error(`${route.path}: no storage read started`));
      }
    }, 10);
  });
}

void describe('cancellation and deadlines', () => {
  const storage = new HangingStorage();
  let app: FastifyInstance;
  let port: number;

  before(async () => {
    app = build(storage, 60_000);
    port = await listen(app);
  });
  after(async () => {
    await app.close();
  });

  void it('aborts the storage read when the client disconnects, on every route', async () => {
    for (const route of ROUTES) {
      await sendAndDisconnect(port, route, storage);
      const read = storage.reads.at(-1);
      assert.ok(read !== undefined);
      const reason = await Promise.race([read.aborted, new Promise((r) => setTimeout(() => { r('not aborted'); }, 3000))]);
      assert.match(String(reason), /client disconnected/, route.path);
      // The read also carried the server-side bounds.
      assert.deepEqual([read.settings?.['max_execution_time'], read.settings?.['result_overflow_mode']], [60, 'throw']);
    }
  });

  void it('answers 504 past the deadline and aborts the read', async () => {
    const slow = new HangingStorage();
    const short = build(slow, 300);
    try {
      for (const route of ROUTES.filter((r) => !r.path.includes('tail'))) {
        const r = await short.inject({ method: route.body === undefined ? 'GET' : 'POST', url: route.path, ...(route.body === undefined ? {} : { payload: JSON.parse(route.body) as object }) });
        assert.equal(r.statusCode, 504, `${route.path}: ${r.body}`);
        assert.match(r.body, /"code":"TIMEOUT".*within 300 ms/);
        assert.match(String(await slow.reads.at(-1)?.aborted), /deadline/);
      }
    } finally {
      await short.close();
    }
  });
});
