// The query half of `npm run bench`: loads (once, then reused) 10 million spans and 10 million
// logs into a database of its own on the local cluster, starts `cairn query` on it, and asks each
// scenario's question N times in turn, printing p50/p95/p99 latency, errors and wrong answers
// against the targets.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createClickHouse, defaultClickHouseRetry } from '../../common/clickhouse/client.ts';
import type { SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { dropDatabase } from '../../common/clickhouse/ddl.ts';
import { identifier, qualified, sql } from '../../common/clickhouse/sql.ts';
import { storageTarget } from '../../common/clickhouse/topology.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { ServiceProcess } from '../service-process.ts';
import { readStackEndpoints } from '../stack-env.ts';
import { freePort } from '../../deploy/local/free-port.ts';
import { fmt, quantile } from '../stats.ts';
import { BENCH_TENANT, DAY_S, logsInsert, spansInsert } from './dataset.ts';
import type { DatasetShape } from './dataset.ts';
import { scenarios } from './scenarios.ts';
import type { Scenario } from './scenarios.ts';

export interface QueryBenchOptions {
  readonly spans: number;
  readonly logs: number;
  readonly requests: number;
  readonly reload: boolean;
}

const DATABASE = 'bench_query';
// Rows per INSERT ... SELECT. A span block is held once per materialized view it feeds (four), and
// 18.16's per-query memory limit (about 1.9 GB here) is hit at 1M wide span rows.
const CHUNK = 250_000;
const PROGRESS_EVERY = 1_000_000;
const API_KEY = 'bench-query-key-0123456789';

interface ScenarioResult {
  readonly name: string;
  readonly target: string;
  readonly ms: number[];
  readonly errors: string[];
  readonly met: boolean | undefined;
}

async function count(ch: SqlRunner, target: StorageTarget, table: 'spans' | 'logs'): Promise<number> {
  const ref = qualified(target.database, identifier(table, ['spans', 'logs']));
  const rows = await ch.queryRows<{ n: string }>(sql`SELECT count() AS n FROM ${ref} WHERE tenant = ${BENCH_TENANT}`);
  return Number(rows[0]?.n ?? 0);
}

/** Whether the database holds exactly the saved dataset (it may have been dropped since). */
async function loadedAsSaved(ch: SqlRunner, target: StorageTarget, shape: DatasetShape): Promise<boolean> {
  try {
    return (await count(ch, target, 'spans')) === shape.spans && (await count(ch, target, 'logs')) === shape.logs;
  } catch {
    return false;
  }
}

async function load(ch: SqlRunner, target: StorageTarget, shape: DatasetShape): Promise<void> {
  for (const [table, total, insert] of [
    ['spans', shape.spans, spansInsert],
    ['logs', shape.logs, logsInsert],
  ] as const) {
    const t0 = performance.now();
    for (let from = 0; from < total; from += CHUNK) {
      await ch.command(insert(target, shape, from, Math.min(CHUNK, total - from)), {
        settings: { insert_distributed_sync: 1 },
        timeoutMs: 600_000,
      });
      const done = Math.min(total, from + CHUNK);
      if (done % PROGRESS_EVERY !== 0 && done !== total) continue;
      const s = (performance.now() - t0) / 1000;
      console.log(`  loading ${table}: ${fmt(done)} / ${fmt(total)} rows, ${fmt(done / s)} rows/s`);
    }
  }
}

async function ask(base: string, s: Scenario, i: number): Promise<{ ms: number; error: string }> {
  const req = s.request(i);
  const t0 = performance.now();
  try {
    const res = await fetch(`${base}${req.path}`, {
      method: req.method,
      headers: { authorization: `Bearer ${API_KEY}`, ...(req.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    if (res.status !== 200) return { ms, error: `HTTP ${res.status}: ${text.slice(0, 200)}` };
    return { ms, error: s.check(JSON.parse(text), i) };
  } catch (err) {
    return { ms: performance.now() - t0, error: err instanceof Error ? err.message : String(err) };
  }
}

export async function runQueryBench(opts: QueryBenchOptions, root: string): Promise<void> {
  const endpoints = readStackEndpoints(path.join(root, '.cairn', 'stack', 'endpoints.json'));
  const logger = createLogger('warn', 'bench-query');
  const ch = createClickHouse({
    endpoint: { kind: 'server', url: endpoints.clickhouseHttp[0] ?? '', username: 'default', password: '' },
    requestTimeoutMs: 600_000,
    retry: defaultClickHouseRetry,
    logger,
  });
  const target = storageTarget(DATABASE, endpoints.clickhouseCluster);
  const port = await freePort();
  const query = new ServiceProcess({
    role: 'query',
    env: {
      CAIRN_CLICKHOUSE_URL: endpoints.clickhouseHttp[0] ?? '',
      CAIRN_CLICKHOUSE_CLUSTER: endpoints.clickhouseCluster,
      CAIRN_CLICKHOUSE_DATABASE: DATABASE,
      CAIRN_ZOOKEEPER: endpoints.zookeeper,
      CAIRN_AUTH: 'api-key',
      CAIRN_API_KEYS: `${API_KEY}=${BENCH_TENANT}`,
      CAIRN_QUERY_PORT: String(port),
      CAIRN_LISTEN_HOST: '127.0.0.1',
      CAIRN_LOG_LEVEL: 'warn',
    },
    readyPort: port,
    logFile: path.join(root, '.cairn', 'bench', 'logs', 'query-bench.log'),
    cpuProfileDir: undefined,
  });
  try {
    const shapeFile = path.join(root, '.cairn', 'bench', 'query-dataset.json');
    const saved = existsSync(shapeFile) ? (JSON.parse(readFileSync(shapeFile, 'utf8')) as DatasetShape) : undefined;
    const reuse = !opts.reload && saved?.spans === opts.spans && saved.logs === opts.logs && (await loadedAsSaved(ch, target, saved));
    if (!reuse) {
      // A fresh database: the rollups and the trace index are fed by views, so old rows in them
      // would outlive a TRUNCATE of the base tables and skew every answer.
      await ch.command(dropDatabase(target), { timeoutMs: 300_000 });
    }
    console.log(`query bench: starting cairn query on database ${DATABASE} (it applies the schema)`);
    await query.waitReady(180_000);
    let shape: DatasetShape;
    if (reuse) {
      shape = saved;
      console.log(`reusing the loaded dataset (${fmt(shape.spans)} spans, ${fmt(shape.logs)} logs; --reload to regenerate)`);
    } else {
      shape = { spans: opts.spans, logs: opts.logs, start: Math.floor(Date.now() / 1000) - DAY_S };
      console.log(`loading ${fmt(shape.spans)} spans and ${fmt(shape.logs)} logs over the last 24 h (generated in ClickHouse)`);
      await load(ch, target, shape);
      writeFileSync(shapeFile, JSON.stringify(shape));
    }
    const base = `http://127.0.0.1:${port}`;
    const results: ScenarioResult[] = [];
    for (const s of scenarios(shape)) {
      for (let i = 0; i < 3; i++) await ask(base, s, 1000 + i);
      const ms: number[] = [];
      const errors: string[] = [];
      for (let i = 0; i < opts.requests; i++) {
        const r = await ask(base, s, i);
        ms.push(r.ms);
        if (r.error !== '') errors.push(r.error);
      }
      const met = s.targetQuantile === undefined || s.targetMs === undefined ? undefined : errors.length === 0 && quantile(ms, s.targetQuantile) < s.targetMs;
      results.push({ name: s.name, target: s.target, ms, errors, met });
      console.log(`  ${s.name}: p50 ${fmt(quantile(ms, 0.5))} ms, p99 ${fmt(quantile(ms, 0.99))} ms, ${errors.length} errors`);
    }
    console.log(report(results, opts, shape));
  } finally {
    await query.stop();
    await ch.close();
  }
}

function report(results: readonly ScenarioResult[], opts: QueryBenchOptions, shape: DatasetShape): string {
  const lines = [
    '',
    `=== Cairn query benchmark: ${fmt(shape.spans)} spans, ${fmt(shape.logs)} logs over 24 h; ${opts.requests} sequential requests per question after 3 warm-ups`,
    `${'question'.padEnd(52)}${'p50 ms'.padStart(9)}${'p95 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}  target`,
  ];
  for (const r of results) {
    const verdict = r.met === undefined ? '' : r.met ? ' (met)' : ' (NOT met)';
    lines.push(
      `${r.name.padEnd(52)}${fmt(quantile(r.ms, 0.5)).padStart(9)}${fmt(quantile(r.ms, 0.95)).padStart(9)}${fmt(quantile(r.ms, 0.99)).padStart(9)}${String(r.errors.length).padStart(8)}  ${r.target}${verdict}`,
    );
    for (const e of [...new Set(r.errors)].slice(0, 3)) lines.push(`    error: ${e}`);
  }
  lines.push('latency: wall time of each HTTP request from this process to `cairn query` (loopback), including JSON encoding');
  return lines.join('\n');
}
