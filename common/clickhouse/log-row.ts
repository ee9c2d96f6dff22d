// A log record as one JSONEachRow line of the logs table, and back. As with spans.v1, the line is
// also the Kafka message value (format logs.v1), inserted byte for byte, so a retried batch is
// byte-identical and ClickHouse block deduplication can drop it.
import { createHash } from 'node:crypto';
import type { LogRecord } from '../model/log.ts';
import type { Attribute } from '../model/span.ts';
import { decodeValue, encodeAttributeList, encodeValue, fromColumns, toColumns } from './attribute-encoding.ts';

export const LOG_ROW_FORMAT = 'logs.v1';

const NANOS_PER_SECOND = 1_000_000_000n;
const FINGERPRINT_HEX_CHARS = 16;

// JSON.stringify of a string is deterministic and escapes exactly what JSON requires.
const s = (v: string): string => JSON.stringify(v);
const strings = (v: readonly string[]): string => JSON.stringify(v);
const ints = (v: readonly number[]): string => `[${v.map((x) => x.toString()).join(',')}]`;

/** Encodes a log record as one line (no trailing newline). Key order is the table's column order. */
export function encodeLogRow(r: LogRecord): string {
  const [bodyType, bodyText] = encodeValue(r.body);
  const attrs = toColumns(r.attributes);
  const res = toColumns(r.resourceAttributes);
  return (
    `{"tenant":${s(r.tenant)}` +
    `,"timestamp":${(r.timeUnixNano / NANOS_PER_SECOND).toString()}` +
    `,"time_unix_nano":${r.timeUnixNano.toString()}` +
    `,"observed_time_unix_nano":${r.observedTimeUnixNano.toString()}` +
    `,"severity_number":${r.severityNumber},"severity_text":${s(r.severityText)}` +
    `,"body":${s(bodyText)},"body_type":${bodyType}` +
    `,"attr_keys":${strings(attrs.keys)},"attr_types":${ints(attrs.types)},"attr_values":${strings(attrs.values)}` +
    `,"dropped_attributes_count":${r.droppedAttributesCount},"flags":${r.flags}` +
    `,"trace_id":${s(r.traceId)},"span_id":${s(r.spanId)},"event_name":${s(r.eventName)}` +
    `,"service_name":${s(r.serviceName)}` +
    `,"resource_attr_keys":${strings(res.keys)},"resource_attr_types":${ints(res.types)},"resource_attr_values":${strings(res.values)}` +
    `,"scope_name":${s(r.scopeName)},"scope_version":${s(r.scopeVersion)}}`
  );
}

/** A logs row as ClickHouse returns it in JSONEachRow (64-bit integers quoted). */
export interface LogRow {
  tenant: string;
  time_unix_nano: string;
  observed_time_unix_nano: string;
  severity_number: number;
  severity_text: string;
  body: string;
  body_type: number;
  attr_keys: string[];
  attr_types: number[];
  attr_values: string[];
  dropped_attributes_count: number;
  flags: number;
  trace_id: string;
  span_id: string;
  event_name: string;
  service_name: string;
  resource_attr_keys: string[];
  resource_attr_types: number[];
  resource_attr_values: string[];
  scope_name: string;
  scope_version: string;
}

/** The column list a reader selects to get a full LogRow (timestamp is derived, so omitted). */
export const LOG_ROW_COLUMNS: readonly string[] = [
  'tenant', 'time_unix_nano', 'observed_time_unix_nano', 'severity_number', 'severity_text', 'body',
  'body_type', 'attr_keys', 'attr_types', 'attr_values', 'dropped_attributes_count', 'flags', 'trace_id',
  'span_id', 'event_name', 'service_name', 'resource_attr_keys', 'resource_attr_types',
  'resource_attr_values', 'scope_name', 'scope_version',
];

export function decodeLogRow(row: LogRow): LogRecord {
  return {
    tenant: row.tenant,
    timeUnixNano: BigInt(row.time_unix_nano),
    observedTimeUnixNano: BigInt(row.observed_time_unix_nano),
    severityNumber: row.severity_number,
    severityText: row.severity_text,
    body: decodeValue(row.body_type, row.body),
    attributes: fromColumns(row.attr_keys, row.attr_types, row.attr_values),
    droppedAttributesCount: row.dropped_attributes_count,
    flags: row.flags,
    traceId: row.trace_id,
    spanId: row.span_id,
    eventName: row.event_name,
    serviceName: row.service_name,
    resourceAttributes: fromColumns(row.resource_attr_keys, row.resource_attr_types, row.resource_attr_values),
    scopeName: row.scope_name,
    scopeVersion: row.scope_version,
  };
}

/**
 * Kafka partition key: tenant plus a fingerprint of the resource, so one resource's (one process's)
 * logs stay in order in one partition. The fingerprint ignores attribute order: the attributes are
 * sorted by key, then by encoded value, before hashing.
 */
export function logPartitionKey(r: LogRecord): string {
  return `${r.tenant}/${resourceFingerprint(r.resourceAttributes)}`;
}

function resourceFingerprint(attributes: readonly Attribute[]): string {
  const encoded = attributes.map((a) => ({ key: a.key, text: encodeAttributeList([a]) }));
  encoded.sort((a, b) => compare(a.key, b.key) || compare(a.text, b.text));
  const hash = createHash('sha1');
  for (const e of encoded) hash.update(e.text).update('\n');
  return hash.digest('hex').slice(0, FINGERPRINT_HEX_CHARS);
}

/** Code-unit order, independent of locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
