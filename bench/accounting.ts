// Exact loss and duplication: every stored row's trace id carries the number of the request that
// sent it, so stored rows are counted per request and compared with what each request had
// acknowledged. Duplicates are rows beyond one per span id (on the spans table, a merge may
// already have collapsed some, so this is a lower bound there).
import { raw, sql } from '../common/clickhouse/sql.ts';
import type { SqlRunner } from '../common/clickhouse/sql-runner.ts';
import { REQUEST_HEX_FROM, REQUEST_HEX_LENGTH } from './body-template.ts';
import { PROBE_SERVICE } from './bodies.ts';
import type { BenchSignal } from './bodies.ts';
import { signalTable } from './bench-tables.ts';

export interface Accounting {
  readonly acked: number;
  readonly storedRows: number;
  readonly storedUnique: number;
  /** Acknowledged items with no stored row. */
  readonly missing: number;
  readonly duplicates: number;
  /** Unique items stored from requests never acknowledged (a 503 after a partial publish). */
  readonly storedUnacked: number;
}

interface RequestRow {
  req: string;
  rows: string;
  uniq: string;
}

export async function account(
  ch: SqlRunner,
  database: string,
  signal: BenchSignal,
  acked: ReadonlyMap<number, number>,
): Promise<Accounting> {
  const request = raw(`substring(trace_id, ${REQUEST_HEX_FROM}, ${REQUEST_HEX_LENGTH})`);
  const rows = await ch.queryRows<RequestRow>(
    sql`SELECT ${request} AS req, count() AS rows, uniqExact(span_id) AS uniq FROM ${signalTable(database, signal)} WHERE service_name != ${PROBE_SERVICE} GROUP BY req`,
    { timeoutMs: 120_000 },
  );
  const stored = new Map(rows.map((r) => [Number.parseInt(r.req, 16), { rows: Number(r.rows), uniq: Number(r.uniq) }]));
  let missing = 0;
  let storedUnacked = 0;
  let ackedTotal = 0;
  for (const [req, items] of acked) {
    ackedTotal += items;
    missing += Math.max(0, items - (stored.get(req)?.uniq ?? 0));
  }
  let storedRows = 0;
  let storedUnique = 0;
  for (const [req, s] of stored) {
    storedRows += s.rows;
    storedUnique += s.uniq;
    if (!acked.has(req)) storedUnacked += s.uniq;
  }
  return { acked: ackedTotal, storedRows, storedUnique, missing, duplicates: storedRows - storedUnique, storedUnacked };
}
