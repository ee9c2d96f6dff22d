// Versioned schema migrations. Each is a list of idempotent statements (IF NOT EXISTS), applied in
// order and recorded in schema_migrations with the epoch of the process that applied it, so a
// re-run after a crash mid-migration completes it instead of failing.
import { addColumn, createDatabase, createIngestTable, createTable, createView, dropView, refuseInserts } from './ddl.ts';
import type { ConditionalStatement } from './ddl.ts';
import { identifier, qualified, sql } from './sql.ts';
import type { SqlFragment } from './sql.ts';
import { logsTable } from './tables/logs.ts';
import { BATCH_MARK_COLUMN, redMinutelyTable, redMinutelyView } from './tables/red-minutely.ts';
import { serviceEdgesMinutelyTable, serviceEdgesView } from './tables/service-edges-minutely.ts';
import { metricSeriesTable } from './tables/metric-series.ts';
import { metricsExpHistogramTable } from './tables/metrics-exp-histogram.ts';
import { metricsGaugeTable } from './tables/metrics-gauge.ts';
import { metricsHistogramTable } from './tables/metrics-histogram.ts';
import { metricsSumTable } from './tables/metrics-sum.ts';
import { metricsSummaryTable } from './tables/metrics-summary.ts';
import { schemaMigrationsTable } from './tables/schema-migrations.ts';
import { spansTable } from './tables/spans.ts';
import { spansByTraceBackfill, spansByTraceTable } from './tables/spans-by-trace.ts';
import { spansIngestTable, spansIngestViews, viewsOnSpans } from './tables/spans-ingest.ts';
import { TRACE_INDEX_VIEW_ON_SPANS, traceIndexTable, traceIndexViewSelect } from './tables/trace-index.ts';
import type { StorageTarget } from './topology.ts';
import type { RunOptions, SqlRunner } from './sql-runner.ts';

export type MigrationStep = SqlFragment | ConditionalStatement;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: (target: StorageTarget) => MigrationStep[];
}

const isConditional = (step: MigrationStep): step is ConditionalStatement => 'doneIf' in step;

/** How far back v5 copies spans into spans_by_trace: longer than a trace normally takes to arrive. */
const UPGRADE_BACKFILL_MINUTES = 15;

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'spans and trace index',
    statements: (t) => [
      ...createTable(spansTable, t),
      ...createTable(traceIndexTable, t),
      createView(TRACE_INDEX_VIEW_ON_SPANS, spansTable, traceIndexTable, traceIndexViewSelect, t),
    ],
  },
  { version: 2, name: 'logs', statements: (t) => createTable(logsTable, t) },
  {
    version: 3,
    name: 'metrics points and series',
    statements: (t) => [metricsGaugeTable, metricsSumTable, metricsHistogramTable, metricsExpHistogramTable, metricsSummaryTable, metricSeriesTable].flatMap((table) => createTable(table, t)),
  },
  {
    version: 4,
    name: 'red and service-graph rollups',
    statements: (t) => [
      ...createTable(redMinutelyTable, t),
      ...createTable(serviceEdgesMinutelyTable, t),
      createView(redMinutelyView.name, redMinutelyView.from, redMinutelyView.to, redMinutelyView.select, t),
      createView(serviceEdgesView.name, serviceEdgesView.from, serviceEdgesView.to, serviceEdgesView.select, t),
    ],
  },
  {
    // Spans are written to spans_ingest from this version on; its views feed spans and everything
    // derived from it (spans-ingest.ts says why: on 18.16 views hung off spans itself lose a
    // batch whose insert failed part-way). In order:
    // - the new tables, the rollups' batch mark, the new views;
    // - on a cluster, `spans` stops taking inserts, so an ingester of an older version retries
    //   (Kafka holds its batches) instead of writing spans no view sees;
    // - the views on `spans` go, or a batch would be counted twice;
    // - the last minutes of spans are copied into spans_by_trace, so traces in flight during the
    //   upgrade are whole there (a copied span that also arrives through the view is read once:
    //   rows collapse by span_id). Older traces are read from `spans` (query/traces/trace-reader.ts).
    version: 5,
    name: 'spans through spans_ingest; spans ordered by trace',
    statements: (t) => [
      ...createTable(spansByTraceTable, t),
      // The rollups' batch mark (red-minutely.ts), before the views that write it: tables created
      // by v4 lack it.
      addColumn(redMinutelyTable, BATCH_MARK_COLUMN, t),
      addColumn(serviceEdgesMinutelyTable, BATCH_MARK_COLUMN, t),
      ...createIngestTable(spansIngestTable, t),
      ...spansIngestViews.map((v) => createView(v.name, spansIngestTable, v.to, v.select, t)),
      ...refuseInserts(spansTable, 'trace_id', t),
      ...viewsOnSpans.map((name) => dropView(name, t)),
      spansByTraceBackfill(t, UPGRADE_BACKFILL_MINUTES),
    ],
  },
];

export interface MigrationOutcome {
  readonly applied: number[];
  readonly alreadyApplied: number[];
}

const migrationsTableId = identifier(schemaMigrationsTable.name, [schemaMigrationsTable.name]);

/**
 * Migration statements may copy data (v5's backfill): allowed minutes, not the client's default
 * seconds, and synchronous through Distributed tables, so what a recorded version promises is in
 * place when the record is written.
 */
function statementOptions(target: StorageTarget): RunOptions {
  return { timeoutMs: 600_000, ...(target.topology.kind === 'cluster' ? { settings: { insert_distributed_sync: 1 } } : {}) };
}

/**
 * Creates the database and bookkeeping table, then applies every migration not yet recorded
 * (up to `through`, for tests of an upgrade from an older schema).
 */
export async function migrate(
  runner: SqlRunner,
  target: StorageTarget,
  by: { readonly epoch: bigint; readonly member: string },
  through = Infinity,
): Promise<MigrationOutcome> {
  await runner.command(createDatabase(target));
  for (const stmt of createTable(schemaMigrationsTable, target)) await runner.command(stmt);
  const table = qualified(target.database, migrationsTableId);
  const rows = await runner.queryRows<{ version: number }>(sql`SELECT DISTINCT version FROM ${table}`);
  const done = new Set(rows.map((r) => r.version));
  const applied: number[] = [];
  const options = statementOptions(target);
  for (const m of migrations) {
    if (done.has(m.version) || m.version > through) continue;
    for (const step of m.statements(target)) {
      if (!isConditional(step)) {
        await runner.command(step, options);
        continue;
      }
      const [present] = await runner.queryRows<{ n: string | number }>(step.doneIf);
      if (Number(present?.n ?? 0) === 0) await runner.command(step.statement, options);
    }
    await runner.command(
      sql`INSERT INTO ${table} (version, name, applied_at, epoch, applied_by) VALUES (${m.version}, ${m.name}, now(), ${by.epoch}, ${by.member})`,
    );
    applied.push(m.version);
  }
  return { applied, alreadyApplied: [...done].sort((a, b) => a - b) };
}

/** Exposed for snapshot tests: every statement a fresh database gets, in order. */
export function allStatements(target: StorageTarget): string[] {
  return [
    createDatabase(target),
    ...createTable(schemaMigrationsTable, target),
    ...migrations.flatMap((m) => m.statements(target).map((step) => (isConditional(step) ? step.statement : step))),
  ].map((f) => f.text);
}
