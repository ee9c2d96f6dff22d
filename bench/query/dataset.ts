// The query benchmark's data: 10 million spans (1 million traces of 10 spans, 20 services, 50
// operations, 2% errors, ~20 attributes each) and 10 million logs over the 24 hours before the
// load, generated inside ClickHouse with INSERT ... SELECT FROM numbers() through the Distributed
// tables (so materialized views fill trace_index and the RED/edge rollups as ingestion would).
// Generating server-side loads in minutes what the OTLP path would take hours to carry on this
// machine; the query service reads the same tables either way. Every value derives from the row
// number, so the benchmark can compute trace ids and expected answers without reading back.
import { createHash } from 'node:crypto';
import { identifier, qualified, sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';

export const BENCH_TENANT = 'bench';
export const SPANS_PER_TRACE = 10;
export const SERVICES = 20;
export const OPERATIONS = 50;
export const DAY_S = 86_400;

export interface DatasetShape {
  readonly spans: number;
  readonly logs: number;
  /** Unix seconds: the data covers [start, start + 1 day). */
  readonly start: number;
}

export function traceCount(shape: DatasetShape): number {
  return Math.floor(shape.spans / SPANS_PER_TRACE);
}

/** The trace id of trace number `t`, as the generator computes it (hex of MD5 of its decimal). */
export function traceIdOf(t: number): string {
  return createHash('md5').update(String(t)).digest('hex');
}

/** Unix seconds at which trace `t` starts. */
export function traceStart(shape: DatasetShape, t: number): number {
  return shape.start + Math.floor((t * DAY_S) / traceCount(shape));
}

const SPAN_ATTRS = [
  'http.method', 'http.route', 'http.status_code', 'http.target', 'http.user_agent', 'net.peer.name', 'net.peer.port',
  'db.system', 'db.statement', 'rpc.system', 'rpc.method', 'messaging.system', 'user.id', 'session.id', 'region',
  'zone', 'feature.flag', 'retry.count', 'cache.hit', 'payload.bytes',
];

/** Spans are written as the ingester writes them: into spans_ingest, whose views fill spans, spans_by_trace, trace_index and the rollups. */
function table(target: StorageTarget, name: 'spans_ingest' | 'logs'): SqlFragment {
  return qualified(target.database, identifier(name, ['spans_ingest', 'logs']));
}

/** INSERT of spans [from, from + count) of the dataset. */
export function spansInsert(target: StorageTarget, shape: DatasetShape, from: number, count: number): SqlFragment {
  const traces = traceCount(shape);
  return sql`INSERT INTO ${table(target, 'spans_ingest')} (tenant, timestamp, start_time_unix_nano, end_time_unix_nano, duration_ns, trace_id, span_id, parent_span_id, trace_state, flags, name, kind, status_code, status_message, service_name, scope_name, scope_version, resource_attr_keys, resource_attr_types, resource_attr_values, attr_keys, attr_types, attr_values, dropped_attributes_count, event_times, event_names, event_attrs, event_dropped_attributes_counts, dropped_events_count, link_trace_ids, link_span_ids, link_trace_states, link_flags, link_attrs, link_dropped_attributes_counts, dropped_links_count)
SELECT ${BENCH_TENANT}, toDateTime(ts), start_ns, start_ns + dur, dur, lower(hex(MD5(toString(t)))), substring(lower(hex(MD5(toString(n)))), 1, 16),
  if(n % ${SPANS_PER_TRACE} = 0, '', substring(lower(hex(MD5(toString(t * ${SPANS_PER_TRACE})))), 1, 16)), '', 1,
  concat('op-', toString(cityHash64(n, 6) % ${OPERATIONS})), if(n % ${SPANS_PER_TRACE} = 0, 2, 3), if(cityHash64(n, 7) % 50 = 0, 2, 0), '',
  svc, 'bench', '1',
  ['service.name', 'host.name', 'deployment.environment'], [1, 1, 1], [svc, concat('host-', toString(cityHash64(n, 8) % 64)), 'prod'],
  ${SPAN_ATTRS}, arrayMap(k -> toUInt8(1), ${SPAN_ATTRS}), arrayMap(k -> concat(k, '-', toString(cityHash64(n, k) % 100)), ${SPAN_ATTRS}),
  0, [], [], [], [], 0, [], [], [], [], [], [], 0
FROM (
  SELECT number + ${from} AS n, intDiv(n, ${SPANS_PER_TRACE}) AS t,
    ${shape.start} + intDiv(t * ${DAY_S}, ${traces}) AS ts,
    toUInt64(ts) * 1000000000 + (n % ${SPANS_PER_TRACE}) * 1000000 + cityHash64(n) % 1000000 AS start_ns,
    (cityHash64(n, 3) % 1000 + 1) * (cityHash64(n, 4) % 1000 + 1) * 1000 AS dur,
    concat('svc-', toString(if(n % ${SPANS_PER_TRACE} = 0, cityHash64(t), cityHash64(n, 5)) % ${SERVICES})) AS svc
  FROM system.numbers LIMIT ${count}
)`;
}

const WORDS = ['order', 'payment', 'cart', 'inventory', 'shipping', 'login', 'search', 'profile', 'checkout', 'refund'];

/** INSERT of logs [from, from + count): one in 200 mentions a timeout, one in 20 is an error. */
export function logsInsert(target: StorageTarget, shape: DatasetShape, from: number, count: number): SqlFragment {
  return sql`INSERT INTO ${table(target, 'logs')} (tenant, timestamp, time_unix_nano, observed_time_unix_nano, severity_number, severity_text, body, body_type, attr_keys, attr_types, attr_values, dropped_attributes_count, flags, trace_id, span_id, event_name, service_name, resource_attr_keys, resource_attr_types, resource_attr_values, scope_name, scope_version)
SELECT ${BENCH_TENANT}, toDateTime(ts), toUInt64(ts) * 1000000000 + cityHash64(n) % 1000000000, toUInt64(ts) * 1000000000, sev, multiIf(sev = 17, 'ERROR', sev = 13, 'WARN', 'INFO'),
  concat(word, ' request ', toString(n % 100000), if(cityHash64(n, 2) % 200 = 0, ' failed: upstream timeout after 30s', concat(' completed in ', toString(cityHash64(n, 3) % 900 + 10), 'ms')), ' user=u', toString(cityHash64(n, 4) % 5000)),
  1, ['http.method', 'user.id', 'request.id'], [1, 1, 1], ['GET', concat('u', toString(cityHash64(n, 4) % 5000)), toString(n)], 0, 0,
  if(n % 4 = 0, lower(hex(MD5(toString(intDiv(n, 4) % ${traceCount(shape)})))), ''), '', '', svc,
  ['service.name'], [1], [svc], 'bench', '1'
FROM (
  SELECT number + ${from} AS n, ${shape.start} + intDiv(n * ${DAY_S}, ${shape.logs}) AS ts,
    multiIf(cityHash64(n, 1) % 20 = 0, 17, cityHash64(n, 1) % 20 = 1, 13, 9) AS sev,
    ${WORDS}[cityHash64(n, 5) % ${WORDS.length} + 1] AS word,
    concat('svc-', toString(cityHash64(n, 6) % ${SERVICES})) AS svc
  FROM system.numbers LIMIT ${count}
)`;
}
