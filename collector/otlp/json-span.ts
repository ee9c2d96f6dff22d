// Converts one OTLP/JSON span object into a SpanRecord, throwing SpanRejection on the first rule
// it breaks (including a field of the wrong JSON type). Messages use the OTLP proto field names,
// the same as the protobuf decoder's.

import type { SpanEvent, SpanLink, SpanRecord } from '../../common/model/span.ts';
import { hexStringToId } from './ids.ts';
import { convertJsonAttributes } from './json-attributes.ts';
import type { JsonObject } from './json-fields.ts';
import { arrayField, isJsonObject, pick, stringField } from './json-fields.ts';
import { parseEnum, parseUint32, parseUint64 } from './json-numbers.ts';
import type { TraceDecodeLimits } from './limits.ts';
import { SpanRejection } from './rejections.ts';
import type { SpanOrigin } from './span-origin.ts';
import { checkKind, checkListLength, checkSpanName, checkStatusCode, checkTimes } from './validate-span.ts';

const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;
const EMPTY_EVENTS: readonly SpanEvent[] = Object.freeze([]);
const EMPTY_LINKS: readonly SpanLink[] = Object.freeze([]);

const SPAN_KIND_NAMES: ReadonlyMap<string, number> = new Map([
  ['SPAN_KIND_UNSPECIFIED', 0],
  ['SPAN_KIND_INTERNAL', 1],
  ['SPAN_KIND_SERVER', 2],
  ['SPAN_KIND_CLIENT', 3],
  ['SPAN_KIND_PRODUCER', 4],
  ['SPAN_KIND_CONSUMER', 5],
]);
const STATUS_CODE_NAMES: ReadonlyMap<string, number> = new Map([
  ['STATUS_CODE_UNSET', 0],
  ['STATUS_CODE_OK', 1],
  ['STATUS_CODE_ERROR', 2],
]);

export function convertJsonSpan(span: unknown, origin: SpanOrigin, limits: TraceDecodeLimits): SpanRecord {
  if (!isJsonObject(span)) throw new SpanRejection('span must be an object');
  const traceId = hexStringToId(pick(span, 'traceId', 'trace_id'), TRACE_ID_BYTES, 'trace_id');
  const spanId = hexStringToId(pick(span, 'spanId', 'span_id'), SPAN_ID_BYTES, 'span_id');
  const parent = pick(span, 'parentSpanId', 'parent_span_id');
  const parentSpanId = parent === undefined || parent === '' ? '' : hexStringToId(parent, SPAN_ID_BYTES, 'parent_span_id');
  const startTimeUnixNano = uint64Field(span, 'startTimeUnixNano', 'start_time_unix_nano');
  const endTimeUnixNano = uint64Field(span, 'endTimeUnixNano', 'end_time_unix_nano');
  checkTimes(startTimeUnixNano, endTimeUnixNano);
  const kind = enumField(span.kind, SPAN_KIND_NAMES, 'kind');
  checkKind(kind);
  const status = span.status ?? undefined;
  if (status !== undefined && !isJsonObject(status)) throw new SpanRejection('status must be an object');
  const statusCode = status === undefined ? 0 : enumField(status.code, STATUS_CODE_NAMES, 'status code');
  checkStatusCode(statusCode);
  const name = stringField(span.name, 'name');
  checkSpanName(name, limits.maxSpanNameBytes);
  const events = arrayField(span.events, 'events');
  checkListLength(events.length, limits.maxEvents, 'event', 'maxEvents');
  const links = arrayField(span.links, 'links');
  checkListLength(links.length, limits.maxLinks, 'link', 'maxLinks');

  return {
    tenant: origin.tenant,
    traceId,
    spanId,
    parentSpanId,
    traceState: stringField(pick(span, 'traceState', 'trace_state'), 'trace_state'),
    flags: uint32Field(span.flags, 'flags'),
    name,
    kind,
    startTimeUnixNano,
    endTimeUnixNano,
    statusCode,
    statusMessage: status === undefined ? '' : stringField(status.message, 'status message'),
    serviceName: origin.serviceName,
    resourceAttributes: origin.resourceAttributes,
    scopeName: origin.scopeName,
    scopeVersion: origin.scopeVersion,
    attributes: convertJsonAttributes(span.attributes, limits, 'attribute'),
    droppedAttributesCount: droppedCount(span, 'droppedAttributesCount', 'dropped_attributes_count'),
    events: events.length === 0 ? EMPTY_EVENTS : convertEvents(events, limits),
    droppedEventsCount: droppedCount(span, 'droppedEventsCount', 'dropped_events_count'),
    links: links.length === 0 ? EMPTY_LINKS : convertLinks(links, limits),
    droppedLinksCount: droppedCount(span, 'droppedLinksCount', 'dropped_links_count'),
  };
}

function convertEvents(events: readonly unknown[], limits: TraceDecodeLimits): SpanEvent[] {
  const out: SpanEvent[] = [];
  for (const event of events) {
    if (!isJsonObject(event)) throw new SpanRejection('event must be an object');
    out.push({
      timeUnixNano: uint64Field(event, 'timeUnixNano', 'time_unix_nano'),
      name: stringField(event.name, 'event name'),
      attributes: convertJsonAttributes(event.attributes, limits, 'event attribute'),
      droppedAttributesCount: droppedCount(event, 'droppedAttributesCount', 'dropped_attributes_count'),
    });
  }
  return out;
}

function convertLinks(links: readonly unknown[], limits: TraceDecodeLimits): SpanLink[] {
  const out: SpanLink[] = [];
  for (const link of links) {
    if (!isJsonObject(link)) throw new SpanRejection('link must be an object');
    out.push({
      traceId: hexStringToId(pick(link, 'traceId', 'trace_id'), TRACE_ID_BYTES, 'link trace_id'),
      spanId: hexStringToId(pick(link, 'spanId', 'span_id'), SPAN_ID_BYTES, 'link span_id'),
      traceState: stringField(pick(link, 'traceState', 'trace_state'), 'link trace_state'),
      attributes: convertJsonAttributes(link.attributes, limits, 'link attribute'),
      droppedAttributesCount: droppedCount(link, 'droppedAttributesCount', 'dropped_attributes_count'),
      flags: uint32Field(link.flags, 'link flags'),
    });
  }
  return out;
}

function uint64Field(obj: JsonObject, jsonName: string, protoName: string): bigint {
  const raw = pick(obj, jsonName, protoName);
  if (raw === undefined) return 0n;
  const value = parseUint64(raw);
  if (value === undefined) throw new SpanRejection(`${protoName} must be an unsigned 64-bit integer`);
  return value;
}

function uint32Field(raw: unknown, field: string): number {
  if (raw === undefined || raw === null) return 0;
  const value = parseUint32(raw);
  if (value === undefined) throw new SpanRejection(`${field} must be an unsigned 32-bit integer`);
  return value;
}

function droppedCount(obj: JsonObject, jsonName: string, protoName: string): number {
  return uint32Field(pick(obj, jsonName, protoName), protoName);
}

function enumField(raw: unknown, names: ReadonlyMap<string, number>, field: string): number {
  if (raw === undefined || raw === null) return 0;
  const value = parseEnum(raw, names);
  if (value === undefined) throw new SpanRejection(`${field} must be an integer`);
  return value;
}
