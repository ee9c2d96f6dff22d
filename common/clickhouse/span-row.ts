// A span as one JSONEachRow line of the spans table, and back. The line is also the Kafka message
// value (format spans.v1), so the ingester concatenates values without re-encoding: a retried
// batch is then byte-identical, which is what ClickHouse block deduplication needs.
import type { SpanRecord } from '../model/span.ts';
import { decodeAttributeList, encodeAttributeList, fromColumns, toColumns } from './attribute-encoding.ts';

export const SPAN_ROW_FORMAT = 'spans.v1';

const NANOS_PER_SECOND = 1_000_000_000n;

// JSON.stringify of a string is deterministic and escapes exactly what JSON requires.
const s = (v: string): string => JSON.stringify(v);
const strings = (v: readonly string[]): string => JSON.stringify(v);
const ints = (v: readonly (number | bigint)[]): string => `[${v.map((x) => x.toString()).join(',')}]`;

/** Encodes a span as one line (no trailing newline). Key order is the table's column order. */
export function encodeSpanRow(span: SpanRecord): string {
  const res = toColumns(span.resourceAttributes);
  const attrs = toColumns(span.attributes);
  const duration = span.endTimeUnixNano - span.startTimeUnixNano;
  return (
    `{"tenant":${s(span.tenant)}` +
    `,"timestamp":${(span.startTimeUnixNano / NANOS_PER_SECOND).toString()}` +
    `,"start_time_unix_nano":${span.startTimeUnixNano.toString()}` +
    `,"end_time_unix_nano":${span.endTimeUnixNano.toString()}` +
    `,"duration_ns":${(duration < 0n ? 0n : duration).toString()}` +
    `,"trace_id":${s(span.traceId)},"span_id":${s(span.spanId)},"parent_span_id":${s(span.parentSpanId)}` +
    `,"trace_state":${s(span.traceState)},"flags":${span.flags},"name":${s(span.name)},"kind":${span.kind}` +
    `,"status_code":${span.statusCode},"status_message":${s(span.statusMessage)}` +
    `,"service_name":${s(span.serviceName)},"scope_name":${s(span.scopeName)},"scope_version":${s(span.scopeVersion)}` +
    `,"resource_attr_keys":${strings(res.keys)},"resource_attr_types":${ints(res.types)},"resource_attr_values":${strings(res.values)}` +
    `,"attr_keys":${strings(attrs.keys)},"attr_types":${ints(attrs.types)},"attr_values":${strings(attrs.values)}` +
    `,"dropped_attributes_count":${span.droppedAttributesCount}` +
    `,"event_times":${ints(span.events.map((e) => e.timeUnixNano))}` +
    `,"event_names":${strings(span.events.map((e) => e.name))}` +
    `,"event_attrs":${strings(span.events.map((e) => encodeAttributeList(e.attributes)))}` +
    `,"event_dropped_attributes_counts":${ints(span.events.map((e) => e.droppedAttributesCount))}` +
    `,"dropped_events_count":${span.droppedEventsCount}` +
    `,"link_trace_ids":${strings(span.links.map((l) => l.traceId))}` +
    `,"link_span_ids":${strings(span.links.map((l) => l.spanId))}` +
    `,"link_trace_states":${strings(span.links.map((l) => l.traceState))}` +
    `,"link_flags":${ints(span.links.map((l) => l.flags))}` +
    `,"link_attrs":${strings(span.links.map((l) => encodeAttributeList(l.attributes)))}` +
    `,"link_dropped_attributes_counts":${ints(span.links.map((l) => l.droppedAttributesCount))}` +
    `,"dropped_links_count":${span.droppedLinksCount}}`
  );
}

/** A spans row as ClickHouse returns it in JSONEachRow (64-bit integers quoted). */
export interface SpanRow {
  tenant: string;
  start_time_unix_nano: string;
  end_time_unix_nano: string;
  duration_ns: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  trace_state: string;
  flags: number;
  name: string;
  kind: number;
  status_code: number;
  status_message: string;
  service_name: string;
  scope_name: string;
  scope_version: string;
  resource_attr_keys: string[];
  resource_attr_types: number[];
  resource_attr_values: string[];
  attr_keys: string[];
  attr_types: number[];
  attr_values: string[];
  dropped_attributes_count: number;
  event_times: (string | number)[];
  event_names: string[];
  event_attrs: string[];
  event_dropped_attributes_counts: number[];
  dropped_events_count: number;
  link_trace_ids: string[];
  link_span_ids: string[];
  link_trace_states: string[];
  link_flags: number[];
  link_attrs: string[];
  link_dropped_attributes_counts: number[];
  dropped_links_count: number;
}

/** The column list a reader selects to get a full SpanRow (timestamp is derived, so omitted). */
export const SPAN_ROW_COLUMNS: readonly string[] = [
  'tenant', 'start_time_unix_nano', 'end_time_unix_nano', 'duration_ns', 'trace_id', 'span_id',
  'parent_span_id', 'trace_state', 'flags', 'name', 'kind', 'status_code', 'status_message',
  'service_name', 'scope_name', 'scope_version', 'resource_attr_keys', 'resource_attr_types',
  'resource_attr_values', 'attr_keys', 'attr_types', 'attr_values', 'dropped_attributes_count',
  'event_times', 'event_names', 'event_attrs', 'event_dropped_attributes_counts', 'dropped_events_count',
  'link_trace_ids', 'link_span_ids', 'link_trace_states', 'link_flags', 'link_attrs',
  'link_dropped_attributes_counts', 'dropped_links_count',
];

export function decodeSpanRow(row: SpanRow): SpanRecord {
  return {
    tenant: row.tenant,
    traceId: row.trace_id,
    spanId: row.span_id,
    parentSpanId: row.parent_span_id,
    traceState: row.trace_state,
    flags: row.flags,
    name: row.name,
    kind: row.kind,
    startTimeUnixNano: BigInt(row.start_time_unix_nano),
    endTimeUnixNano: BigInt(row.end_time_unix_nano),
    statusCode: row.status_code,
    statusMessage: row.status_message,
    serviceName: row.service_name,
    resourceAttributes: fromColumns(row.resource_attr_keys, row.resource_attr_types, row.resource_attr_values),
    scopeName: row.scope_name,
    scopeVersion: row.scope_version,
    attributes: fromColumns(row.attr_keys, row.attr_types, row.attr_values),
    droppedAttributesCount: row.dropped_attributes_count,
    events: row.event_names.map((name, i) => ({
      name,
      timeUnixNano: BigInt(row.event_times[i] ?? 0),
      attributes: decodeAttributeList(row.event_attrs[i] ?? ''),
      droppedAttributesCount: row.event_dropped_attributes_counts[i] ?? 0,
    })),
    droppedEventsCount: row.dropped_events_count,
    links: row.link_trace_ids.map((traceId, i) => ({
      traceId,
      spanId: row.link_span_ids[i] ?? '',
      traceState: row.link_trace_states[i] ?? '',
      flags: row.link_flags[i] ?? 0,
      attributes: decodeAttributeList(row.link_attrs[i] ?? ''),
      droppedAttributesCount: row.link_dropped_attributes_counts[i] ?? 0,
    })),
    droppedLinksCount: row.dropped_links_count,
  };
}
