// Reads the points of chosen series of one metric. Last values per step are reduced in SQL (argMax
// works the same on every version); counters and histograms come back point by point, one row per
// (series, time), because turning running totals into increments needs each point after its
// predecessor, which 18.16 cannot do in SQL (no window functions). Points flagged "no recorded
// value" are skipped. Reads are capped, so a query over too many points is refused, not slow.
import { join, sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import { FLAG_NO_RECORDED_VALUE } from '../../common/model/metric.ts';
import type { MetricType } from '../../common/model/metric.ts';
import { ApiError } from '../errors.ts';
import type { StorageWork } from '../storage/storage-work.ts';
import { pointTable } from './point-tables.ts';
import type { StepGrid } from './step-grid.ts';

/** Most point rows one metrics query reads. */
export const MAX_POINTS_READ = 200_000;

const NS_PER_S = 1_000_000_000n;

export interface PointsRequest {
  readonly tenant: string;
  readonly name: string;
  readonly type: MetricType;
  /** From metric_series, e.g. fingerprintList(series). */
  readonly fingerprints: SqlFragment;
  /** Points from here on (before the grid's start: baselines for counters). */
  readonly fromNs: bigint;
  readonly grid: StepGrid;
}

function where(q: PointsRequest, fromNs: bigint): SqlFragment {
  // timestamp (seconds) narrows the read through the sort key; time_unix_nano is the exact bound.
  return join(
    [
      sql`tenant = ${q.tenant}`,
      sql`metric_name = ${q.name}`,
      sql`timestamp >= toDateTime(${fromNs / NS_PER_S})`,
      sql`timestamp <= toDateTime(${(q.grid.endNs - 1n) / NS_PER_S})`,
      sql`time_unix_nano >= ${fromNs}`,
      sql`time_unix_nano < ${q.grid.endNs}`,
      sql`series_fingerprint IN ${q.fingerprints}`,
      sql`bitAnd(flags, ${FLAG_NO_RECORDED_VALUE}) = 0`,
    ],
    ' AND ',
  );
}

async function capped<T>(w: StorageWork, query: SqlFragment): Promise<T[]> {
  const rows = await w.rows<T>(sql`${query} LIMIT ${MAX_POINTS_READ + 1}`);
  if (rows.length > MAX_POINTS_READ) {
    throw new ApiError('INVALID_ARGUMENT', `the query reads more than ${MAX_POINTS_READ} points; narrow the range (start, end) or the series (match)`, 'start');
  }
  return rows;
}

export interface LastValueRow {
  readonly fp: string;
  readonly bucket: string;
  /** null for NaN and infinities. */
  readonly v: number | null;
}

/** The last value of each series in each step (gauges and sums). */
export function readLastValues(w: StorageWork, target: StorageTarget, q: PointsRequest): Promise<LastValueRow[]> {
  return capped(
    w,
    sql`SELECT toString(series_fingerprint) AS fp, intDiv(time_unix_nano - ${q.grid.startNs}, ${q.grid.stepNs}) AS bucket, argMax(value, time_unix_nano) AS v FROM ${pointTable(target, q.type)} WHERE ${where(q, q.grid.startNs)} GROUP BY fp, bucket ORDER BY fp, bucket`,
  );
}

export interface NumberPointRow {
  readonly fp: string;
  readonly t: string;
  readonly st: string;
  readonly v: number | null;
  readonly temporality: number;
  readonly monotonic: number;
}

export function readSumPoints(w: StorageWork, target: StorageTarget, q: PointsRequest): Promise<NumberPointRow[]> {
  return capped(
    w,
    sql`SELECT toString(series_fingerprint) AS fp, time_unix_nano AS t, start_time_unix_nano AS st, value AS v, temporality, is_monotonic AS monotonic FROM ${pointTable(target, q.type)} WHERE ${where(q, q.fromNs)} ORDER BY fp, t LIMIT 1 BY fp, t`,
  );
}

export interface HistogramPointRow {
  readonly fp: string;
  readonly t: string;
  readonly st: string;
  readonly temporality: number;
  readonly bc: readonly string[];
  readonly eb: readonly number[];
}

export function readHistogramPoints(w: StorageWork, target: StorageTarget, q: PointsRequest): Promise<HistogramPointRow[]> {
  return capped(
    w,
    sql`SELECT toString(series_fingerprint) AS fp, time_unix_nano AS t, start_time_unix_nano AS st, temporality, bucket_counts AS bc, explicit_bounds AS eb FROM ${pointTable(target, q.type)} WHERE ${where(q, q.fromNs)} ORDER BY fp, t LIMIT 1 BY fp, t`,
  );
}

export interface ExpHistogramPointRow {
  readonly fp: string;
  readonly t: string;
  readonly st: string;
  readonly temporality: number;
  readonly scale: number;
  readonly zc: string;
  readonly zt: number | null;
  readonly pos_offset: number;
  readonly pos_counts: readonly string[];
  readonly neg_offset: number;
  readonly neg_counts: readonly string[];
}

export function readExpHistogramPoints(w: StorageWork, target: StorageTarget, q: PointsRequest): Promise<ExpHistogramPointRow[]> {
  return capped(
    w,
    sql`SELECT toString(series_fingerprint) AS fp, time_unix_nano AS t, start_time_unix_nano AS st, temporality, scale, zero_count AS zc, zero_threshold AS zt, positive_offset AS pos_offset, positive_bucket_counts AS pos_counts, negative_offset AS neg_offset, negative_bucket_counts AS neg_counts FROM ${pointTable(target, q.type)} WHERE ${where(q, q.fromNs)} ORDER BY fp, t LIMIT 1 BY fp, t`,
  );
}
