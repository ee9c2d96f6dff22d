// Metric rows: every format's keys are its table's columns in order, lines are deterministic and
// render 64-bit integers as bare digits and non-finite floats as the strings both engines accept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metricRows, metricsSignal } from '../../collector/signals/metrics.ts';
import {
  METRIC_SERIES_ROW_FORMAT,
  MetricRowFormat,
  encodeMetricRows,
  metricPartitionKey,
} from '../../common/clickhouse/metric-row.ts';
import { float } from '../../common/clickhouse/row-values.ts';
import { syntheticMetricPoints } from '../support/synthetic-metrics.ts';

const T = 1_700_000_000_123_456_789n;

void describe('metric rows', () => {
  void it('every format has exactly its table columns as keys, in column order', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      for (const point of syntheticMetricPoints('acme', i, T)) {
        const rows = encodeMetricRows(point);
        assert.deepEqual(rows.map((r) => r.format), [MetricRowFormat[point.type], METRIC_SERIES_ROW_FORMAT]);
        for (const row of rows) {
          const table = metricsSignal.tables.get(row.format);
          assert.ok(table !== undefined, row.format);
          assert.deepEqual(Object.keys(JSON.parse(row.value) as object), table.columns.map((c) => c.name), row.format);
          seen.add(row.format);
        }
      }
    }
    assert.deepEqual([...seen].sort(), [...metricsSignal.tables.keys()].sort());
  });

  void it('is deterministic: the same point encodes to the same bytes', () => {
    const a = syntheticMetricPoints('acme', 3, T).flatMap(encodeMetricRows);
    const b = syntheticMetricPoints('acme', 3, T).flatMap(encodeMetricRows);
    assert.deepEqual(a, b);
  });

  void it('64-bit integers are bare digits; floats shortest text, non-finite quoted, -0 kept', () => {
    const [gauge, sum, , , summary] = syntheticMetricPoints('acme', 0, T);
    assert.ok(gauge !== undefined && sum !== undefined && summary !== undefined);
    const [sumRow] = encodeMetricRows(sum);
    assert.match(sumRow?.value ?? '', /"value":9223372036854776000,"value_is_int":1,"value_int":9223372036854775807,/);
    assert.match(sumRow?.value ?? '', /"time_unix_nano":1700000000123456789,/);
    assert.match(sumRow?.value ?? '', /"timestamp":1700000000,/);
    assert.match(encodeMetricRows(summary)[0]?.value ?? '', /"count":18446744073709551615,/);
    assert.match(encodeMetricRows(gauge)[0]?.value ?? '', /"value":"nan",.*"exemplar_value_ints":\[0,-9223372036854775808\]/);
    assert.deepEqual([Number.NaN, Infinity, -Infinity, -0, 0, 0.1, 1e21, 5e-324].map(float), ['"nan"', '"inf"', '"-inf"', '-0', '0', '0.1', '1e+21', '5e-324']);
  });

  void it('the signal writes one series row per series and request, from its latest point', () => {
    const early = syntheticMetricPoints('acme', 1, T);
    const late = syntheticMetricPoints('acme', 1, T + 5_000_000_000n);
    const rows = metricRows([...late, ...early]);
    assert.equal(rows.length, 10 + 5);
    const series = rows.filter((r) => r.format === METRIC_SERIES_ROW_FORMAT);
    assert.equal(series.length, 5);
    for (const row of series) assert.match(row.value, /"last_seen":1700000005}$/);
    for (const point of early) assert.equal(metricPartitionKey(point), `acme/${point.seriesFingerprint.toString(16).padStart(16, '0')}`);
  });

  void it('signal contract', () => {
    assert.equal(metricsSignal.name, 'metrics');
    assert.equal(metricsSignal.httpPath, '/v1/metrics');
    assert.equal(metricsSignal.grpcMethod, '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export');
    assert.equal(metricsSignal.rejectedField, 'rejectedDataPoints');
    assert.deepEqual([...metricsSignal.tables.values()].map((t) => t.name).sort(), [
      'metric_series', 'metrics_exp_histogram', 'metrics_gauge', 'metrics_histogram', 'metrics_sum', 'metrics_summary',
    ]);
  });
});
