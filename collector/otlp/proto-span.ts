// Converts one decoded protobuf Span into a SpanRecord, throwing SpanRejection on the first rule
// it breaks. Cheap checks run before attribute conversion so oversized spans are refused early.

import type { SpanEvent, SpanLink, SpanRecord } from '../../common/model/span.ts';
import { bytesToHexId } from './ids.ts';
import type { TraceDecodeLimits } from './limits.ts';
import { convertPbAttributes } from './proto-attributes.ts';
import type { PbEvent, PbLink, PbSpan } from './proto-schema.ts';
import { uint64ToBigInt } from './proto-schema.ts';
import type { SpanOrigin } from './span-origin.ts';
import { checkKind, checkListLength, checkSpanName, checkStatusCode, checkTimes } from './validate-span.ts';

const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;
const EMPTY_EVENTS: readonly SpanEvent[] = Object.freeze([]);
const EMPTY_LINKS: readonly SpanLink[] = Object.freeze([]);

export function convertPbSpan(span: PbSpan, origin: SpanOrigin, limits: TraceDecodeLimits): SpanRecord {
  const traceId = bytesToHexId(span.traceId, TRACE_ID_BYTES, 'trace_id');
  const spanId = bytesToHexId(span.spanId, SPAN_ID_BYTES, 'span_id');
  const parentSpanId =
    span.parentSpanId.length === 0 ? '' : bytesToHexId(span.parentSpanId, SPAN_ID_BYTES, 'parent_span_id');
  const startTimeUnixNano = uint64ToBigInt(span.startTimeUnixNano);
  const endTimeUnixNano = uint64ToBigInt(span.endTimeUnixNano);
  checkTimes(startTimeUnixNano, endTimeUnixNano);
  checkKind(span.kind);
  const statusCode = span.status === null ? 0 : span.status.code;
  checkStatusCode(statusCode);
  checkSpanName(span.name, limits.maxSpanNameBytes);
  checkListLength(span.events.length, limits.maxEvents, 'event', 'maxEvents');
  checkListLength(span.links.length, limits.maxLinks, 'link', 'maxLinks');

  return {
    tenant: origin.tenant,
    traceId,
    spanId,
    parentSpanId,
    traceState: span.traceState,
    flags: span.flags,
    name: span.name,
    kind: span.kind,
    startTimeUnixNano,
    endTimeUnixNano,
    statusCode,
    statusMessage: span.status === null ? '' : span.status.message,
    serviceName: origin.serviceName,
    resourceAttributes: origin.resourceAttributes,
    scopeName: origin.scopeName,
    scopeVersion: origin.scopeVersion,
    attributes: convertPbAttributes(span.attributes, limits, 'attribute'),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.length === 0 ? EMPTY_EVENTS : convertEvents(span.events, limits),
    droppedEventsCount: span.droppedEventsCount,
    links: span.links.length === 0 ? EMPTY_LINKS : convertLinks(span.links, limits),
    droppedLinksCount: span.droppedLinksCount,
  };
}

function convertEvents(events: readonly PbEvent[], limits: TraceDecodeLimits): SpanEvent[] {
  const out: SpanEvent[] = [];
  for (const event of events) {
    out.push({
      timeUnixNano: uint64ToBigInt(event.timeUnixNano),
      name: event.name,
      attributes: convertPbAttributes(event.attributes, limits, 'event attribute'),
      droppedAttributesCount: event.droppedAttributesCount,
    });
  }
  return out;
}

function convertLinks(links: readonly PbLink[], limits: TraceDecodeLimits): SpanLink[] {
  const out: SpanLink[] = [];
  for (const link of links) {
    out.push({
      traceId: bytesToHexId(link.traceId, TRACE_ID_BYTES, 'link trace_id'),
      spanId: bytesToHexId(link.spanId, SPAN_ID_BYTES, 'link span_id'),
      traceState: link.traceState,
      attributes: convertPbAttributes(link.attributes, limits, 'link attribute'),
      droppedAttributesCount: link.droppedAttributesCount,
      flags: link.flags,
    });
  }
  return out;
}
