// What a merged rollup row (calls, errors, duration sum, duration digest) means to an on-call
// engineer: request rate, error ratio and latency in milliseconds. Shared by RED and the service
// graph, whose rows merge the same states (see red-minutely.ts).
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { raw } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { DURATION_QUANTILE_LEVELS, durationQuantilesMerge } from '../../common/clickhouse/tables/red-minutely.ts';

/** The merged columns every rollup read selects, under the aliases MergedRollupRow names. */
export const MERGED_ROLLUP_COLUMNS: SqlFragment = raw(
  `countMerge(calls) AS n_calls, sumMerge(errors) AS n_errors, sumMerge(duration_sum) AS duration_sum_ns, ${durationQuantilesMerge('duration_quantiles')} AS duration_q`,
);

/** A row with MERGED_ROLLUP_COLUMNS, as ClickHouse returns it (64-bit integers quoted). */
export interface MergedRollupRow {
  readonly n_calls: string;
  readonly n_errors: string;
  readonly duration_sum_ns: string;
  /** One per DURATION_QUANTILE_LEVELS, nanoseconds; null where the server printed NaN. */
  readonly duration_q: readonly (number | null)[];
}

const NULLABLE_MS = Type.Union([Type.Number(), Type.Null()]);

export const LatencySchema = Type.Object(
  {
    p50: NULLABLE_MS,
    p95: NULLABLE_MS,
    p99: NULLABLE_MS,
    mean: NULLABLE_MS,
  },
  { description: 'Duration in milliseconds: t-digest quantiles (approximate) and the exact mean' },
);

export const RollupStatsSchema = Type.Object({
  calls: Type.Integer({ description: 'Spans (calls) counted' }),
  errors: Type.Integer({ description: 'Calls with status ERROR' }),
  rate: Type.Number({ description: 'Calls per second over the interval' }),
  errorRatio: Type.Number({ description: 'errors / calls' }),
  latencyMs: LatencySchema,
});
export type RollupStats = Static<typeof RollupStatsSchema>;

const NS_PER_MS = 1e6;

function ms(ns: number | null | undefined): number | null {
  return ns === null || ns === undefined || !Number.isFinite(ns) ? null : ns / NS_PER_MS;
}

/** Stats of a merged row over an interval of `seconds`. */
export function rollupStats(row: MergedRollupRow, seconds: number): RollupStats {
  const calls = Number(row.n_calls);
  const errors = Number(row.n_errors);
  const q = (level: number): number | null => ms(row.duration_q[DURATION_QUANTILE_LEVELS.indexOf(level as (typeof DURATION_QUANTILE_LEVELS)[number])]);
  return {
    calls,
    errors,
    rate: calls / seconds,
    errorRatio: calls === 0 ? 0 : errors / calls,
    latencyMs: { p50: q(0.5), p95: q(0.95), p99: q(0.99), mean: calls === 0 ? null : ms(Number(row.duration_sum_ns) / calls) },
  };
}
