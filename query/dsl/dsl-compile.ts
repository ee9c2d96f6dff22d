// A DSL plan as one SELECT: generated aliases, the tenant and time range always first in WHERE
// (the client's filters are ANDed after them, each parenthesised, so they cannot widen either),
// then GROUP BY, HAVING, ORDER BY and LIMIT.
import { join, qualified, sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import { signalStorage } from '../filters/fields.ts';
import { rangePredicate } from '../filters/time-range.ts';
import type { DslPlan } from './dsl-plan.ts';

export function dslSql(target: StorageTarget, tenant: string, plan: DslPlan): SqlFragment {
  const s = signalStorage(plan.signal);
  const select = join(plan.columns.map((c) => sql`${c.expr} AS ${c.alias}`), ', ');
  const keys = plan.columns.filter((c) => c.kind !== 'aggregate').map((c) => sql`${c.alias}`);
  const groupBy = plan.grouped ? sql` GROUP BY ${join(keys, ', ')}` : sql``;
  const having = plan.having.length === 0 ? sql`` : sql` HAVING ${join(plan.having, ' AND ')}`;
  const orderBy = plan.orderBy.length === 0 ? sql`` : sql` ORDER BY ${join(plan.orderBy, ', ')}`;
  return sql`SELECT ${select} FROM ${qualified(target.database, s.table)} WHERE ${s.tenant} = ${tenant} AND ${rangePredicate(plan.range, s.timestamp, s.nanos)} AND (${plan.where})${groupBy}${having}${orderBy} LIMIT ${plan.limit}`;
}
