// Series of one metric matching label matchers, from metric_series (fingerprint -> labels). Rows
// of one fingerprint carry the same labels (the fingerprint is their hash), so matchers filter rows
// and GROUP BY collapses what ReplacingMergeTree has not merged yet; unit and description take the
// newest row's. With a time range, only series with a point inside it count, which takes a look
// at the point tables, since metric_series keeps only the last time a series was seen.
import { identifier, inList, join, qualified, raw, sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { metricSeriesTable } from '../../common/clickhouse/tables/metric-series.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { StorageWork } from '../storage/storage-work.ts';
import { matchersSql, seriesLabels } from './label-matchers.ts';
import type { LabelMatcher } from './label-matchers.ts';
import { isMetricType, pointTable } from './point-tables.ts';

export interface SeriesInfo {
  /** Unsigned 64-bit, as decimal text. */
  readonly fingerprint: string;
  readonly type: string;
  readonly unit: string;
  readonly description: string;
  readonly service: string;
  readonly labels: Record<string, string>;
  /** Time of the series' latest point, RFC 3339. */
  readonly lastSeen: string;
}

export interface SeriesRequest {
  readonly tenant: string;
  readonly name: string;
  readonly matchers: readonly LabelMatcher[];
  /** Only series with a point in [startS, endS). */
  readonly points?: { readonly startS: number; readonly endS: number } | undefined;
  /** Only series seen at or after this time (cheap: metric_series alone). */
  readonly seenSinceS?: number | undefined;
  readonly limit: number;
}

interface SeriesRow {
  readonly fp: string;
  readonly type: string;
  readonly unit: string;
  readonly description: string;
  readonly service: string;
  readonly rk: string[];
  readonly rv: string[];
  readonly ak: string[];
  readonly av: string[];
  readonly seen: number;
}

const seriesTable = (target: StorageTarget): SqlFragment => qualified(target.database, identifier(metricSeriesTable.name, [metricSeriesTable.name]));

/** Series with a point in the range, per point table of the types the metric has. */
async function withPoints(w: StorageWork, target: StorageTarget, q: SeriesRequest, range: { startS: number; endS: number }): Promise<SqlFragment> {
  const types = await w.rows<{ type: string }>(
    sql`SELECT DISTINCT metric_type AS type FROM ${seriesTable(target)} WHERE tenant = ${q.tenant} AND metric_name = ${q.name}`,
  );
  const known = types.map((t) => t.type).filter(isMetricType);
  if (known.length === 0) return raw('0');
  // GLOBAL: on a cluster each subquery runs once over all shards and its result goes to the shards.
  const inRange = known.map(
    (type) =>
      sql`series_fingerprint GLOBAL IN (SELECT series_fingerprint FROM ${pointTable(target, type)} WHERE tenant = ${q.tenant} AND metric_name = ${q.name} AND timestamp >= toDateTime(${range.startS}) AND timestamp < toDateTime(${range.endS}))`,
  );
  return sql`(${join(inRange, ' OR ')})`;
}

/** Matching series, at most limit + 1 (the caller tells "more than limit" from that). */
export async function readSeries(w: StorageWork, target: StorageTarget, q: SeriesRequest): Promise<SeriesInfo[]> {
  const conditions = [sql`tenant = ${q.tenant}`, sql`metric_name = ${q.name}`, matchersSql(q.matchers)];
  if (q.points !== undefined) conditions.push(await withPoints(w, target, q, q.points));
  const having = q.seenSinceS === undefined ? raw('') : sql` HAVING seen >= ${Math.floor(q.seenSinceS)}`;
  const rows = await w.rows<SeriesRow>(
    sql`SELECT toString(series_fingerprint) AS fp, argMax(metric_type, last_seen) AS type, argMax(unit, last_seen) AS unit, argMax(description, last_seen) AS description, any(service_name) AS service, any(resource_attr_keys) AS rk, any(resource_attr_values) AS rv, any(attr_keys) AS ak, any(attr_values) AS av, toUnixTimestamp(max(last_seen)) AS seen FROM ${seriesTable(target)} WHERE ${join(conditions, ' AND ')} GROUP BY series_fingerprint${having} ORDER BY series_fingerprint LIMIT ${q.limit + 1}`,
  );
  return rows.map((r) => ({
    fingerprint: r.fp,
    type: r.type,
    unit: r.unit,
    description: r.description,
    service: r.service,
    labels: seriesLabels(r.rk, r.rv, r.ak, r.av),
    lastSeen: new Date(r.seen * 1000).toISOString(),
  }));
}

/** A fingerprint list for `IN`, as numbers ClickHouse reads as UInt64. */
export function fingerprintList(series: readonly SeriesInfo[]): SqlFragment {
  return inList(series.map((s) => BigInt(s.fingerprint)));
}
