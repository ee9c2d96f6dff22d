// What every query API route shares, on the embedded engine: the OpenAPI document at /docs lists
// the routes, /api/ needs an API key that maps to a tenant (401 naming the header otherwise), and
// ops routes need none. Reads with statistics work on both engines, and an aborted read is killed
// on the server, not only abandoned by the client.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClickHouse, defaultClickHouseRetry } from '../../common/clickhouse/client.ts';
import type { SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { sql } from '../../common/clickhouse/sql.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { buildQueryApp } from '../../query/app.ts';
import type { QueryApp } from '../../query/app.ts';
import { readQueryConfig } from '../../query/config.ts';
import { eventually } from './support/pipeline.ts';
import { stackEndpoints } from './support/stack-env.ts';

const KEY = 'basics-key-0123456789';
const logger = createLogger('silent', 'test-query-basics');

void describe('query API basics (embedded engine)', () => {
  let dir = '';
  let query: QueryApp;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-query-basics-'));
    query = buildQueryApp(readQueryConfig({ CAIRN_API_KEYS: `${KEY}=team-a`, CAIRN_LOG_LEVEL: 'silent' }, dir), logger);
    await query.schemaReady;
    await query.app.ready();
  });
  after(async () => {
    await query.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('serves the OpenAPI document at /docs/json without a key', async () => {
    const res = await query.app.inject({ url: '/docs/json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json<{ openapi: string; paths: Record<string, unknown> }>();
    assert.match(doc.openapi, /^3\./);
    assert.ok('/api/v1/traces/{traceId}' in doc.paths, Object.keys(doc.paths).join(', '));
  });

  void it('refuses /api/ without a valid key, naming the header; ops routes need none', async () => {
    const traceId = 'ab'.repeat(16);
    for (const authorization of [undefined, 'Bearer wrong-key-0000000000', 'Basic xyz']) {
      const res = await query.app.inject({ url: `/api/v1/traces/${traceId}`, headers: authorization === undefined ? {} : { authorization } });
      assert.equal(res.statusCode, 401, String(authorization));
      const body = res.json<{ error: { code: string; message: string; field: string } }>();
      assert.equal(body.error.code, 'UNAUTHENTICATED');
      assert.equal(body.error.field, 'Authorization');
    }
    const ok = await query.app.inject({ url: `/api/v1/traces/${traceId}`, headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(ok.statusCode, 404);
    assert.equal((await query.app.inject({ url: '/healthz' })).statusCode, 200);
  });

  void it('reads with statistics', async () => {
    const { rows, stats } = await query.clickhouse.queryWithStats<{ n: string }>(sql`SELECT number AS n FROM system.numbers LIMIT 1000`);
    assert.equal(rows.length, 1000);
    assert.ok(stats.rowsRead >= 1000, JSON.stringify(stats));
  });
});

void describe('reads with statistics on ClickHouse 18.16', () => {
  let ch: SqlRunner;
  before(() => {
    const [url] = stackEndpoints().clickhouseHttp;
    assert.ok(url !== undefined);
    ch = createClickHouse({ endpoint: { kind: 'server', url, username: 'default', password: '' }, requestTimeoutMs: 30_000, retry: defaultClickHouseRetry, logger });
  });
  after(() => ch.close());

  void it('returns rows read, bytes read and elapsed', async () => {
    const { rows, stats } = await ch.queryWithStats<{ n: string }>(sql`SELECT number AS n FROM system.numbers LIMIT 1000`);
    assert.equal(rows.length, 1000);
    assert.ok(stats.rowsRead >= 1000 && stats.bytesRead >= 8000, JSON.stringify(stats));
  });

  void it('kills the server query when the caller aborts', async () => {
    const controller = new AbortController();
    const queryId = `killtest-${process.pid}-${Date.now()}`;
    const running = ch.queryWithStats(sql`SELECT count() FROM system.numbers WHERE NOT ignore(sipHash64(number))`, {
      signal: controller.signal,
      queryId,
      settings: { max_execution_time: 60 },
    });
    const seen = async (): Promise<number> =>
      Number((await ch.queryRows<{ n: string }>(sql`SELECT count() AS n FROM system.processes WHERE startsWith(query_id, ${queryId})`))[0]?.n ?? 0);
    await eventually('the query to run on the server', 10_000, async () => ((await seen()) > 0 ? true : undefined));
    controller.abort(new Error('client went away'));
    await assert.rejects(running);
    await eventually('the server to drop the query', 10_000, async () => ((await seen()) === 0 ? true : undefined));
  });
});
