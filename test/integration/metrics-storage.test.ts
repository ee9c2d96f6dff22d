// The six metrics tables on the embedded current engine (chdb) and the local ClickHouse 18.16
// cluster (replicated + Distributed): created from their TableDefs, fed encoded rows of every
// metric type as JSONEachRow, and read back field by field: values (NaN, infinities, -0 and int64
// extremes included), bucket arrays, fingerprints, exemplars and series rows.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { METRIC_TABLES, metricRows, metricsSignal } from '../../collector/signals/metrics.ts';
import { createClickHouse, defaultClickHouseRetry } from '../../common/clickhouse/client.ts';
import type { ClickHouseEndpoint } from '../../common/clickhouse/client.ts';
import { createDatabase, createTable, dropDatabase } from '../../common/clickhouse/ddl.ts';
import type { Settings, SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { databaseIdentifier, identifier, qualified, raw, sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { storageTarget } from '../../common/clickhouse/topology.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { MetricPoint } from '../../common/model/metric.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { syntheticMetricPoints } from '../support/synthetic-metrics.ts';
import { stackEndpoints, uniqueName } from './support/stack-env.ts';

const TENANT = 'tenant-m';
const TIMEOUT_MS = 120_000;
const T0 = 1_700_000_000_000_000_000n;
const TABLE_NAMES = [...metricsSignal.tables.values()].map((t) => t.name);

function points(): MetricPoint[] {
  return Array.from({ length: 5 }, (_, i) => syntheticMetricPoints(TENANT, i, T0 + BigInt(i) * 1_000_000_123n)).flat();
}

function from(target: StorageTarget, table: string): SqlFragment {
  return qualified(databaseIdentifier(target.database.name), identifier(table, TABLE_NAMES));
}

/** Rows of one table for TENANT, in time then fingerprint order. */
function select(ch: SqlRunner, target: StorageTarget, table: string, columns: string): Promise<Record<string, unknown>[]> {
  return ch.queryRows<Record<string, unknown>>(
    sql`SELECT ${raw(columns)} FROM ${from(target, table)} WHERE tenant = ${TENANT} ORDER BY time_unix_nano, series_fingerprint`,
    { timeoutMs: TIMEOUT_MS },
  );
}

/** How ClickHouse's toString prints a Float64 (both engines agree on these values). */
function chText(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (Object.is(v, -0)) return '-0';
  return v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v);
}

const exemplarColumns =
  'exemplar_times, exemplar_values, exemplar_value_is_int, exemplar_value_ints, exemplar_trace_ids, exemplar_span_ids, exemplar_attrs';

function expectedExemplars(p: MetricPoint): Record<string, unknown> {
  return {
    exemplar_times: p.exemplars.map((e) => e.timeUnixNano.toString()),
    exemplar_values: p.exemplars.map((e) => (e.value.type === 'double' ? e.value.value : Number(e.value.value))),
    exemplar_value_is_int: p.exemplars.map((e) => (e.value.type === 'int' ? 1 : 0)),
    exemplar_value_ints: p.exemplars.map((e) => (e.value.type === 'int' ? e.value.value.toString() : '0')),
    exemplar_trace_ids: p.exemplars.map((e) => e.traceId),
    exemplar_span_ids: p.exemplars.map((e) => e.spanId),
    exemplar_attrs: p.exemplars.map((e) => JSON.stringify(e.filteredAttributes.map((a) => [a.key, 1, a.value.type === 'string' ? a.value.value : '']))),
  };
}

function head(p: MetricPoint): Record<string, unknown> {
  return {
    metric_name: p.metricName,
    series_fingerprint: p.seriesFingerprint.toString(),
    time_unix_nano: p.timeUnixNano.toString(),
    start_time_unix_nano: p.startTimeUnixNano.toString(),
    attr_keys: p.attributes.map((a) => a.key),
    flags: p.flags,
  };
}
const headColumns = 'metric_name, series_fingerprint, time_unix_nano, start_time_unix_nano, attr_keys, flags';

async function exercise(ch: SqlRunner, target: StorageTarget, insertSettings: Settings): Promise<void> {
  await ch.command(createDatabase(target), { timeoutMs: TIMEOUT_MS });
  for (const table of METRIC_TABLES.values()) {
    for (const statement of createTable(table, target)) await ch.command(statement, { timeoutMs: TIMEOUT_MS });
  }

  const written = points();
  const byTable = new Map<string, string[]>();
  for (const row of metricRows(written)) {
    const table = metricsSignal.tables.get(row.format)?.name;
    assert.ok(table !== undefined);
    byTable.set(table, [...(byTable.get(table) ?? []), row.value]);
  }
  assert.equal(byTable.size, 6);
  for (const [table, lines] of byTable) {
    await ch.insertJsonEachRow(from(target, table), lines.join('\n') + '\n', { settings: insertSettings, timeoutMs: TIMEOUT_MS });
  }

  const of = <T extends MetricPoint['type']>(type: T): Extract<MetricPoint, { type: T }>[] =>
    written.filter((p): p is Extract<MetricPoint, { type: T }> => p.type === type);

  assert.deepEqual(
    await select(ch, target, 'metrics_gauge', `${headColumns}, toString(value) AS value_text, value_is_int, ${exemplarColumns}`),
    of('gauge').map((p) => ({
      ...head(p),
      value_text: chText(p.value.type === 'double' ? p.value.value : Number(p.value.value)),
      value_is_int: 0,
      ...expectedExemplars(p),
    })),
  );
  assert.deepEqual(
    await select(ch, target, 'metrics_sum', `${headColumns}, value_is_int, value_int, temporality, is_monotonic, ${exemplarColumns}`),
    of('sum').map((p) => ({
      ...head(p),
      value_is_int: 1,
      value_int: p.value.type === 'int' ? p.value.value.toString() : '',
      temporality: p.temporality,
      is_monotonic: p.monotonic ? 1 : 0,
      ...expectedExemplars(p),
    })),
  );
  assert.deepEqual(
    await select(ch, target, 'metrics_histogram', `${headColumns}, temporality, count, sum, has_sum, has_min, max, has_max, bucket_counts, explicit_bounds, ${exemplarColumns}`),
    of('histogram').map((p) => ({
      ...head(p),
      temporality: p.temporality,
      count: p.count.toString(),
      sum: p.sum,
      has_sum: 1,
      has_min: 0,
      max: p.max,
      has_max: 1,
      bucket_counts: p.bucketCounts.map(String),
      explicit_bounds: p.explicitBounds,
      ...expectedExemplars(p),
    })),
  );
  assert.deepEqual(
    await select(
      ch,
      target,
      'metrics_exp_histogram',
      `${headColumns}, count, has_sum, min, max, scale, zero_count, zero_threshold, positive_offset, positive_bucket_counts, negative_offset, negative_bucket_counts`,
    ),
    of('exponential_histogram').map((p) => ({
      ...head(p),
      count: p.count.toString(),
      has_sum: 0,
      min: p.min,
      max: p.max,
      scale: p.scale,
      zero_count: p.zeroCount.toString(),
      zero_threshold: p.zeroThreshold,
      positive_offset: p.positive.offset,
      positive_bucket_counts: p.positive.bucketCounts.map(String),
      negative_offset: p.negative.offset,
      negative_bucket_counts: p.negative.bucketCounts.map(String),
    })),
  );
  assert.deepEqual(
    await select(ch, target, 'metrics_summary', `${headColumns}, count, sum, quantiles, quantile_values`),
    of('summary').map((p) => ({
      ...head(p),
      count: p.count.toString(),
      sum: p.sum,
      quantiles: p.quantileValues.map((q) => q.quantile),
      quantile_values: p.quantileValues.map((q) => q.value),
    })),
  );

  const series = await ch.queryRows<Record<string, unknown>>(
    sql`SELECT series_fingerprint, metric_type, metric_name, unit, service_name, resource_attr_keys, resource_attr_values, attr_keys, toUnixTimestamp(last_seen) AS last_seen FROM ${from(target, 'metric_series')} WHERE tenant = ${TENANT} ORDER BY series_fingerprint`,
    { timeoutMs: TIMEOUT_MS },
  );
  const expectedSeries = written
    .map((p) => ({
      series_fingerprint: p.seriesFingerprint.toString(),
      metric_type: p.type,
      metric_name: p.metricName,
      unit: p.unit,
      service_name: p.serviceName,
      resource_attr_keys: p.resourceAttributes.map((a) => a.key),
      resource_attr_values: p.resourceAttributes.map((a) => (a.value.type === 'string' ? a.value.value : '')),
      attr_keys: p.attributes.map((a) => a.key),
      last_seen: Number(p.timeUnixNano / 1_000_000_000n),
    }))
    .sort((a, b) => (BigInt(a.series_fingerprint) < BigInt(b.series_fingerprint) ? -1 : 1));
  assert.equal(new Set(expectedSeries.map((s) => s.series_fingerprint)).size, 25);
  assert.deepEqual(series, expectedSeries);
}

function runner(endpoint: ClickHouseEndpoint): SqlRunner {
  return createClickHouse({ endpoint, requestTimeoutMs: TIMEOUT_MS, retry: defaultClickHouseRetry, logger: createLogger('silent', 't') });
}

void describe('metrics storage on both dialects', () => {
  void it('embedded engine (chdb): six tables, every type stored and read back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-metrics-'));
    const ch = runner({ kind: 'embedded', path: dir });
    try {
      await exercise(ch, storageTarget('cairn_metrics', null), {});
    } finally {
      await ch.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('ClickHouse 18.16 cluster (replicated, Distributed): the same rows, the same results', async () => {
    const e = stackEndpoints();
    const ch = runner({ kind: 'server', url: e.clickhouseHttp[0] ?? '', username: 'default', password: '' });
    const target = storageTarget(uniqueName('metrics'), e.clickhouseCluster);
    try {
      await exercise(ch, target, { insert_distributed_sync: 1, insert_quorum: 2 });
    } finally {
      await ch.command(dropDatabase(target), { timeoutMs: TIMEOUT_MS });
      await ch.close();
    }
  });
});
