// Turns a search's query-string parameters into the shared filter model: each convenience
// parameter (service=, status=, traceId=, ...) is one filter, each `filter=` is parsed from its
// text form, and `q` (logs) is the full-text grammar. Errors name the parameter.
import { join, sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { logsTable } from '../../common/clickhouse/tables/logs.ts';
import { compileFilters } from '../filters/filter-compile.ts';
import type { RegexUse, SitedFilter } from '../filters/filter-compile.ts';
import { paramSite, textSite } from '../filters/filter-model.ts';
import type { Filter, FilterOp, FilterValue } from '../filters/filter-model.ts';
import { parseFilterText } from '../filters/filter-text.ts';
import { tableColumns } from '../filters/fields.ts';
import { compileFullText, parseFullText } from '../filters/full-text.ts';
import type { TextClause } from '../filters/full-text.ts';

export interface SearchFilters {
  readonly where: SqlFragment;
  readonly regexes: readonly RegexUse[];
  /** What defines the search, for the cursor fingerprint. */
  readonly definition: unknown;
}

function param(name: string, field: string, op: FilterOp, value: FilterValue | undefined): SitedFilter[] {
  return value === undefined ? [] : [{ filter: { field, op, value }, site: paramSite(name) }];
}

function textFilters(texts: readonly string[] | undefined): SitedFilter[] {
  return (texts ?? []).map((text, i) => {
    const site = textSite('filter', i, text);
    return { filter: parseFilterText(text, site), site };
  });
}

function build(signal: 'traces' | 'logs', sited: readonly SitedFilter[], clauses: readonly TextClause[], extra: SqlFragment): SearchFilters {
  const compiled = compileFilters(signal, sited);
  const filters: Filter[] = sited.map((x) => x.filter);
  return { where: join([compiled.where, extra], ' AND '), regexes: compiled.regexes, definition: { filters, clauses } };
}

export interface TraceFilterParams {
  readonly service?: string | undefined;
  readonly operation?: string | undefined;
  readonly status?: string | undefined;
  readonly minDurationMs?: number | undefined;
  readonly maxDurationMs?: number | undefined;
  readonly filter?: readonly string[] | undefined;
}

export function traceFilters(p: TraceFilterParams): SearchFilters {
  return build(
    'traces',
    [
      ...param('service', 'service', '=', p.service),
      ...param('operation', 'name', '=', p.operation),
      ...param('status', 'status', '=', p.status),
      ...param('minDurationMs', 'duration', '>=', p.minDurationMs),
      ...param('maxDurationMs', 'duration', '<=', p.maxDurationMs),
      ...textFilters(p.filter),
    ],
    [],
    sql`1`,
  );
}

export interface LogFilterParams {
  readonly q?: string | undefined;
  readonly severity?: string | undefined;
  readonly service?: string | undefined;
  readonly traceId?: string | undefined;
  readonly spanId?: string | undefined;
  readonly filter?: readonly string[] | undefined;
}

const body = tableColumns(logsTable, ['body']).body;

export function logFilters(p: LogFilterParams): SearchFilters {
  const clauses = p.q === undefined ? [] : parseFullText(p.q, 'q');
  return build(
    'logs',
    [
      ...param('severity', 'severity', '=', p.severity),
      ...param('service', 'service', '=', p.service),
      ...param('traceId', 'trace_id', '=', p.traceId),
      ...param('spanId', 'span_id', '=', p.spanId),
      ...textFilters(p.filter),
    ],
    clauses,
    compileFullText(clauses, body),
  );
}
