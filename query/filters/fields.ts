// What a client may name in a filter, group-by or aggregate, per signal: a fixed allow-list of
// columns (taken from the table definitions, so a renamed column fails at start-up, not in a
// query) and attributes `<scope>.<key>`, whose key is a value compared against the stored key
// arrays, never an identifier.
import { identifier } from '../../common/clickhouse/sql.ts';
import type { Identifier } from '../../common/clickhouse/sql.ts';
import { logsTable } from '../../common/clickhouse/tables/logs.ts';
import { spansTable } from '../../common/clickhouse/tables/spans.ts';
import type { TableDef } from '../../common/clickhouse/tables/table-def.ts';
import type { Signal } from './filter-model.ts';

/** Longest attribute key accepted; stored keys are bounded by the receiver's limits anyway. */
export const MAX_ATTRIBUTE_KEY_LENGTH = 256;

/** A closed range of stored codes an enum name stands for (`error` is severities 17..20). */
export interface CodeRange {
  readonly lo: number;
  readonly hi: number;
}

export interface ColumnField {
  readonly kind: 'column';
  readonly name: string;
  readonly column: Identifier;
  readonly type: 'string' | 'number';
  /** Stored units per client unit: duration is filtered in milliseconds, stored in nanoseconds. */
  readonly scale: number;
  /** Names accepted as values (case-insensitive), e.g. span kinds, status codes, severities. */
  readonly names: ReadonlyMap<string, CodeRange>;
  /** Stored as lower-case hex: values are lower-cased before comparing. */
  readonly lowerCase: boolean;
  readonly description: string;
}

export interface AttributeField {
  readonly kind: 'attribute';
  readonly name: string;
  readonly scope: AttributeScope;
  readonly key: string;
  readonly keys: Identifier;
  readonly values: Identifier;
}

export type Field = ColumnField | AttributeField;
export type AttributeScope = 'span' | 'resource' | 'log';

interface ColumnSpec {
  readonly name: string;
  readonly column: string;
  readonly type: 'string' | 'number';
  readonly scale?: number;
  readonly names?: Readonly<Record<string, CodeRange>>;
  readonly lowerCase?: boolean;
  readonly description: string;
}

const one = (code: number): CodeRange => ({ lo: code, hi: code });

const SPAN_KINDS: Record<string, CodeRange> = {};
for (const [i, k] of ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'].entries()) {
  SPAN_KINDS[k] = one(i);
  SPAN_KINDS[`span_kind_${k}`] = one(i);
}
const STATUS_CODES: Record<string, CodeRange> = {};
for (const [i, s] of ['unset', 'ok', 'error'].entries()) {
  STATUS_CODES[s] = one(i);
  STATUS_CODES[`status_code_${s}`] = one(i);
}
// OTLP severity numbers come in ranges of four per level (ERROR, ERROR2, ERROR3, ERROR4).
const SEVERITIES: Record<string, CodeRange> = { unspecified: one(0) };
for (const [i, s] of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'].entries()) {
  SEVERITIES[s] = { lo: i * 4 + 1, hi: i * 4 + 4 };
}
SEVERITIES['warning'] = SEVERITIES['warn'] ?? one(13);

const SPAN_COLUMNS: readonly ColumnSpec[] = [
  { name: 'service', column: 'service_name', type: 'string', description: 'service.name of the resource' },
  { name: 'name', column: 'name', type: 'string', description: 'span name (operation)' },
  { name: 'operation', column: 'name', type: 'string', description: 'alias of name' },
  { name: 'kind', column: 'kind', type: 'number', names: SPAN_KINDS, description: 'span kind: internal, server, client, producer, consumer (or the OTLP code)' },
  { name: 'status', column: 'status_code', type: 'number', names: STATUS_CODES, description: 'status code: unset, ok, error (or 0, 1, 2)' },
  { name: 'status_message', column: 'status_message', type: 'string', description: 'status message' },
  { name: 'duration', column: 'duration_ns', type: 'number', scale: 1e6, description: 'span duration in milliseconds' },
  { name: 'trace_id', column: 'trace_id', type: 'string', lowerCase: true, description: 'trace id, hex' },
  { name: 'span_id', column: 'span_id', type: 'string', lowerCase: true, description: 'span id, hex' },
  { name: 'parent_span_id', column: 'parent_span_id', type: 'string', lowerCase: true, description: "parent span id ('' for a root span)" },
  { name: 'scope_name', column: 'scope_name', type: 'string', description: 'instrumentation scope name' },
  { name: 'scope_version', column: 'scope_version', type: 'string', description: 'instrumentation scope version' },
];

const LOG_COLUMNS: readonly ColumnSpec[] = [
  { name: 'service', column: 'service_name', type: 'string', description: 'service.name of the resource' },
  { name: 'severity', column: 'severity_number', type: 'number', names: SEVERITIES, description: 'severity: trace, debug, info, warn, error, fatal (each a range of 4 OTLP numbers) or the number 0..24' },
  { name: 'severity_text', column: 'severity_text', type: 'string', description: 'severity text as sent' },
  { name: 'body', column: 'body', type: 'string', description: 'log body as text' },
  { name: 'trace_id', column: 'trace_id', type: 'string', lowerCase: true, description: 'trace id, hex' },
  { name: 'span_id', column: 'span_id', type: 'string', lowerCase: true, description: 'span id, hex' },
  { name: 'event_name', column: 'event_name', type: 'string', description: 'event name' },
  { name: 'scope_name', column: 'scope_name', type: 'string', description: 'instrumentation scope name' },
  { name: 'scope_version', column: 'scope_version', type: 'string', description: 'instrumentation scope version' },
];

interface SignalCatalog {
  readonly table: TableDef;
  readonly columns: ReadonlyMap<string, ColumnField>;
  /** Attribute prefixes of this signal and the key/value array columns they read. */
  readonly scopes: ReadonlyMap<AttributeScope, { keys: Identifier; values: Identifier }>;
}

function catalog(table: TableDef, specs: readonly ColumnSpec[], own: AttributeScope): SignalCatalog {
  const allowed = table.columns.map((c) => c.name);
  const columns = new Map<string, ColumnField>();
  for (const s of specs) {
    columns.set(s.name, {
      kind: 'column',
      name: s.name,
      column: identifier(s.column, allowed),
      type: s.type,
      scale: s.scale ?? 1,
      names: new Map(Object.entries(s.names ?? {})),
      lowerCase: s.lowerCase ?? false,
      description: s.description,
    });
  }
  const scopes = new Map<AttributeScope, { keys: Identifier; values: Identifier }>([
    [own, { keys: identifier('attr_keys', allowed), values: identifier('attr_values', allowed) }],
    ['resource', { keys: identifier('resource_attr_keys', allowed), values: identifier('resource_attr_values', allowed) }],
  ]);
  return { table, columns, scopes };
}

const CATALOGS: Readonly<Record<Signal, SignalCatalog>> = {
  traces: catalog(spansTable, SPAN_COLUMNS, 'span'),
  logs: catalog(logsTable, LOG_COLUMNS, 'log'),
};

export function signalTable(signal: Signal): TableDef {
  return CATALOGS[signal].table;
}

/** Column field names of a signal, for error messages and the API documentation. */
export function columnFieldNames(signal: Signal): string[] {
  return [...CATALOGS[signal].columns.keys()];
}

export function attributePrefixes(signal: Signal): string[] {
  return [...CATALOGS[signal].scopes.keys()].map((s) => `${s}.<key>`);
}

/** The field `name` of `signal`, or a message saying why there is none. */
export function resolveField(signal: Signal, name: string): Field | string {
  const cat = CATALOGS[signal];
  const column = cat.columns.get(name);
  if (column !== undefined) return column;
  const dot = name.indexOf('.');
  if (dot > 0) {
    const scope = name.slice(0, dot);
    const key = name.slice(dot + 1);
    const arrays = cat.scopes.get(scope as AttributeScope);
    if (arrays !== undefined) {
      if (key === '') return `attribute key after "${scope}." is empty`;
      if (key.length > MAX_ATTRIBUTE_KEY_LENGTH) return `attribute key is longer than ${MAX_ATTRIBUTE_KEY_LENGTH} characters`;
      return { kind: 'attribute', name, scope: scope as AttributeScope, key, ...arrays };
    }
  }
  return `unknown field ${JSON.stringify(name)} for ${signal}; fields are ${columnFieldNames(signal).join(', ')}, or ${attributePrefixes(signal).join(', ')}`;
}

/** The columns every query of a signal uses besides its fields: table, tenant and time. */
export interface SignalStorage {
  readonly table: Identifier;
  readonly tenant: Identifier;
  readonly timestamp: Identifier;
  /** Nanosecond time: span start, log record time. */
  readonly nanos: Identifier;
}

const STORAGE: Readonly<Record<Signal, SignalStorage>> = {
  traces: storage(spansTable, 'start_time_unix_nano'),
  logs: storage(logsTable, 'time_unix_nano'),
};

function storage(table: TableDef, nanos: string): SignalStorage {
  const allowed = table.columns.map((c) => c.name);
  return {
    table: identifier(table.name, [table.name]),
    tenant: identifier('tenant', allowed),
    timestamp: identifier('timestamp', allowed),
    nanos: identifier(nanos, allowed),
  };
}

export function signalStorage(signal: Signal): SignalStorage {
  return STORAGE[signal];
}

/**
 * Vetted identifiers for columns a query names directly; throws at start-up if the table
 * definition lost one, instead of failing in a query.
 */
export function tableColumns<const T extends string>(table: TableDef, names: readonly T[]): Readonly<Record<T, Identifier>> {
  const allowed = table.columns.map((c) => c.name);
  return Object.fromEntries(names.map((n) => [n, identifier(n, allowed)])) as Record<T, Identifier>;
}
