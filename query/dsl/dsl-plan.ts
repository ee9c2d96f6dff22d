// Gives a schema-valid DSL query its meaning: fields resolved against the signal's allow-list,
// aggregates matched to fields of the right type, output column names made unique, having and
// orderBy resolved to those columns, the time range and bucket count bounded. Every SQL name in
// the plan is generated here (g0.., a0.., bkt); a client's names only ever become JSON keys.
import { identifier, sql } from '../../common/clickhouse/sql.ts';
import type { Identifier, SqlFragment } from '../../common/clickhouse/sql.ts';
import { ApiError } from '../errors.ts';
import { keyExpr, numericExpr } from '../filters/field-expr.ts';
import { resolveField, signalTable, tableColumns } from '../filters/fields.ts';
import type { Field } from '../filters/fields.ts';
import { compareOp, compileFilters } from '../filters/filter-compile.ts';
import type { RegexUse } from '../filters/filter-compile.ts';
import { jsonSite } from '../filters/filter-model.ts';
import type { Signal } from '../filters/filter-model.ts';
import { compileFullText, parseFullText } from '../filters/full-text.ts';
import { resolveRange } from '../filters/time-range.ts';
import type { TimeRange } from '../filters/time-range.ts';
import { DSL_DEFAULT_LIMIT, DSL_MAX_AGGREGATES, DSL_MAX_BUCKETS, DSL_MAX_GROUP_BY } from './dsl-schema.ts';
import type { AggregateFn, DslQuery } from './dsl-schema.ts';

const ALIASES = [
  ...Array.from({ length: DSL_MAX_GROUP_BY }, (_, i) => `g${i}`),
  ...Array.from({ length: DSL_MAX_AGGREGATES }, (_, i) => `a${i}`),
  'bkt',
];

export type ColumnKind = 'group' | 'bucket' | 'aggregate';

export interface PlannedColumn {
  /** Name in the answer, as the client wrote it or the default. */
  readonly name: string;
  readonly kind: ColumnKind;
  /** Generated SQL alias. */
  readonly alias: Identifier;
  readonly expr: SqlFragment;
}

export interface DslPlan {
  readonly signal: Signal;
  readonly range: TimeRange;
  /** Filters and full text ANDed (without tenant and time). */
  readonly where: SqlFragment;
  readonly regexes: readonly RegexUse[];
  readonly columns: readonly PlannedColumn[];
  readonly grouped: boolean;
  readonly having: readonly SqlFragment[];
  readonly orderBy: readonly SqlFragment[];
  readonly limit: number;
}

function invalid(path: string, message: string): never {
  throw new ApiError('INVALID_ARGUMENT', `${path}: ${message}`, path);
}

function field(signal: Signal, name: string, path: string): Field {
  const f = resolveField(signal, name);
  if (typeof f === 'string') invalid(path, f);
  return f;
}

function isNumeric(f: Field): boolean {
  return f.kind === 'attribute' || f.type === 'number';
}

function aggregateExpr(signal: Signal, a: DslQuery['aggregates'][number], path: string): { expr: SqlFragment; name: string } {
  const fn: AggregateFn = a.fn;
  if (fn !== 'quantile' && a.q !== undefined) invalid(`${path}.q`, 'only quantile takes q');
  if (fn === 'count') {
    if (a.field !== undefined) invalid(`${path}.field`, 'count takes no field (filter with exists to count rows that have one)');
    return { expr: sql`toFloat64(count())`, name: 'count' };
  }
  if (a.field === undefined) return invalid(`${path}.field`, `${fn} needs a field`);
  const f = field(signal, a.field, `${path}.field`);
  if (fn === 'uniq') return { expr: sql`toFloat64(uniq(${keyExpr(f)}))`, name: `uniq(${a.field})` };
  if (!isNumeric(f)) invalid(`${path}.field`, `${fn} needs a numeric field; ${a.field} is text`);
  const x = numericExpr(f);
  switch (fn) {
    case 'sum':
      return { expr: sql`toFloat64(sum(${x}))`, name: `sum(${a.field})` };
    case 'avg':
      return { expr: sql`toFloat64(avg(${x}))`, name: `avg(${a.field})` };
    case 'min':
      return { expr: sql`toFloat64(min(${x}))`, name: `min(${a.field})` };
    case 'max':
      return { expr: sql`toFloat64(max(${x}))`, name: `max(${a.field})` };
    case 'quantile': {
      if (a.q === undefined) return invalid(`${path}.q`, 'quantile needs q, e.g. 0.99');
      // The level is a parameter literal: quantile(0.99)(x) is the form 18.16 understands.
      return { expr: sql`toFloat64(quantile(${a.q})(${x}))`, name: `quantile(${a.q})(${a.field})` };
    }
  }
}

export function planDsl(q: DslQuery, nowMs: number): DslPlan {
  const signal = q.signal;
  const range = resolveRange({ start: q.start, end: q.end }, nowMs);
  const filters = compileFilters(
    signal,
    (q.filters ?? []).map((f, i) => ({ filter: f, site: jsonSite(`filters[${i}]`) })),
  );
  let where = filters.where;
  if (q.q !== undefined) {
    if (signal !== 'logs') invalid('q', 'full text applies to logs only');
    where = sql`${where} AND ${compileFullText(parseFullText(q.q, 'q'), tableColumns(signalTable('logs'), ['body']).body)}`;
  }

  const columns: PlannedColumn[] = [];
  const byName = new Map<string, PlannedColumn>();
  const add = (c: PlannedColumn, path: string): void => {
    if (byName.has(c.name)) invalid(path, `column name ${JSON.stringify(c.name)} is used twice; name it with "as"`);
    byName.set(c.name, c);
    columns.push(c);
  };
  (q.groupBy ?? []).forEach((name, i) => {
    const f = field(signal, name, `groupBy[${i}]`);
    add({ name, kind: 'group', alias: identifier(`g${i}`, ALIASES), expr: keyExpr(f) }, `groupBy[${i}]`);
  });
  if (q.bucket !== undefined) {
    const buckets = Math.ceil((range.toMs - range.fromMs) / (q.bucket * 1000));
    if (buckets > DSL_MAX_BUCKETS) invalid('bucket', `${buckets} buckets in the time range; at most ${DSL_MAX_BUCKETS} (use a larger bucket or a shorter range)`);
    const ts = tableColumns(signalTable(signal), ['timestamp']).timestamp;
    add({ name: 'bucket', kind: 'bucket', alias: identifier('bkt', ALIASES), expr: sql`toUInt32(intDiv(toUInt32(${ts}), ${q.bucket}) * ${q.bucket})` }, 'bucket');
  }
  q.aggregates.forEach((a, i) => {
    const { expr, name } = aggregateExpr(signal, a, `aggregates[${i}]`);
    add({ name: a.as ?? name, kind: 'aggregate', alias: identifier(`a${i}`, ALIASES), expr }, a.as === undefined ? `aggregates[${i}]` : `aggregates[${i}].as`);
  });

  const having = (q.having ?? []).map((h, i) => {
    const c = byName.get(h.name);
    if (c?.kind !== 'aggregate') invalid(`having[${i}].name`, `${JSON.stringify(h.name)} is not an aggregate column; aggregates are ${names(columns, 'aggregate')}`);
    return sql`${c.alias} ${compareOp(h.op)} ${h.value}`;
  });

  const order: SqlFragment[] = [];
  const ordered = new Set<string>();
  const orderOn = (c: PlannedColumn, desc: boolean): void => {
    if (ordered.has(c.name)) return;
    ordered.add(c.name);
    order.push(desc ? sql`${c.alias} DESC` : sql`${c.alias} ASC`);
  };
  (q.orderBy ?? []).forEach((o, i) => {
    const c = byName.get(o.name);
    if (c === undefined) invalid(`orderBy[${i}].name`, `${JSON.stringify(o.name)} is not a column; columns are ${names(columns)}`);
    orderOn(c, o.dir === 'desc');
  });
  if (q.orderBy === undefined) {
    for (const c of columns) if (c.kind === 'bucket') orderOn(c, false);
    const firstAggregate = columns.find((c) => c.kind === 'aggregate');
    if (firstAggregate !== undefined) orderOn(firstAggregate, true);
  }
  // Ties broken by the group keys, so equal queries give equal answers.
  for (const c of columns) if (c.kind !== 'aggregate') orderOn(c, false);

  return {
    signal,
    range,
    where,
    regexes: filters.regexes,
    columns,
    grouped: columns.some((c) => c.kind !== 'aggregate'),
    having,
    orderBy: order,
    limit: q.limit ?? DSL_DEFAULT_LIMIT,
  };
}

function names(columns: readonly PlannedColumn[], kind?: ColumnKind): string {
  const list = columns.filter((c) => kind === undefined || c.kind === kind).map((c) => JSON.stringify(c.name));
  return list.length === 0 ? 'none' : list.join(', ');
}
