// The scheduled retention job over the real cluster: with the migrated schema, an old day of spans
// and logs is dropped and today's stays, for every signal's tables at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeSpanRow } from '../../common/clickhouse/span-row.ts';
import { identifier, qualified, sql } from '../../common/clickhouse/sql.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { RetentionJob, retentionRules } from '../../common/clickhouse/retention-job.ts';
import { syntheticSpan } from '../support/synthetic-span.ts';
import { startPipeline } from './support/pipeline.ts';
import { spansIngestTable } from '../../common/clickhouse/tables/spans-ingest.ts';

const DAY_NS = 86_400_000_000_000n;

void test('the retention job drops expired day partitions and keeps recent ones', async () => {
  const p = await startPipeline('retjob');
  try {
    const target = p.collectorConfig.clickhouse.target;
    const spans = qualified(target.database, identifier('spans', ['spans']));
    const ingest = qualified(target.database, identifier(spansIngestTable.name, [spansIngestTable.name]));
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const make = (i: number, ageDays: bigint): string => {
      const s = syntheticSpan(i, `ret-${ageDays}`);
      const start = nowNs - ageDays * DAY_NS;
      return encodeSpanRow({ ...s, startTimeUnixNano: start, endTimeUnixNano: start + 1000n });
    };
    const rows = [make(0, 10n), make(1, 10n), make(2, 0n)];
    await p.clickhouse.insertJsonEachRow(ingest, rows.join('\n') + '\n', { settings: { insert_distributed_sync: 1, insert_quorum: 2 } });
    const byTrace = qualified(target.database, identifier('spans_by_trace', ['spans_by_trace']));
    const countIn = async (table: typeof spans): Promise<number> => Number((await p.clickhouse.queryRows<{ n: string }>(sql`SELECT count() AS n FROM ${table}`))[0]?.n ?? 0);
    const count = (): Promise<number> => countIn(spans);
    assert.equal(await count(), 3);
    assert.equal(await countIn(byTrace), 3);

    const job = new RetentionJob({
      clickhouse: p.clickhouse,
      target,
      days: { traces: 7, logs: 7, metrics: 30 },
      intervalMs: 3_600_000,
      logger: createLogger('silent', 'test-retention'),
    });
    const dropped = await job.runOnce();
    assert.ok(dropped >= 3, `the old day of spans, spans_by_trace and trace_index was dropped (${dropped} partitions)`);
    assert.equal(await count(), 1, "today's span is kept");
    assert.equal(await countIn(byTrace), 1, "today's span is kept in its trace-ordered copy too");
    assert.equal(await job.runOnce(), 0, 'a second pass finds nothing');
    await job.close();
    assert.deepEqual(
      retentionRules({ traces: 7, logs: 7, metrics: 30 }).map((r) => `${r.table.name}:${r.days}`),
      ['spans:7', 'spans_by_trace:7', 'trace_index:7', 'red_minutely:7', 'service_edges_minutely:7', 'logs:7', 'metrics_gauge:30', 'metrics_sum:30', 'metrics_histogram:30', 'metrics_exp_histogram:30', 'metrics_summary:30'],
    );
  } finally {
    await p.close();
  }
});
