// The API's JSON shape of a span: OTLP/JSON conventions (AnyValue attributes, 64-bit integers as
// decimal strings) with enum names spelled out, so OTel users read it without a guide.
import type { Attribute, AttributeValue, SpanRecord } from '../../common/model/span.ts';

const KIND_NAMES = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

export type JsonAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number | string }
  | { bytesValue: string }
  | { arrayValue: { values: JsonAnyValue[] } }
  | { kvlistValue: { values: JsonAttribute[] } }
  | Record<string, never>;

export interface JsonAttribute {
  key: string;
  value: JsonAnyValue;
}

export function anyValueJson(v: AttributeValue): JsonAnyValue {
  switch (v.type) {
    case 'string':
      return { stringValue: v.value };
    case 'bool':
      return { boolValue: v.value };
    case 'int':
      return { intValue: v.value.toString() };
    case 'double':
      // JSON has no NaN/Infinity; the OTLP/JSON mapping spells them as strings.
      return { doubleValue: Number.isFinite(v.value) ? v.value : String(v.value) };
    case 'bytes':
      return { bytesValue: Buffer.from(v.value).toString('base64') };
    case 'array':
      return { arrayValue: { values: v.value.map(anyValueJson) } };
    case 'kvlist':
      return { kvlistValue: { values: attributesJson(v.value) } };
    case 'empty':
      return {};
  }
}

export function attributesJson(attrs: readonly Attribute[]): JsonAttribute[] {
  return attrs.map((a) => ({ key: a.key, value: anyValueJson(a.value) }));
}

export function spanJson(s: SpanRecord): Record<string, unknown> {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    traceState: s.traceState,
    flags: s.flags,
    name: s.name,
    kind: KIND_NAMES[s.kind] ?? String(s.kind),
    startTimeUnixNano: s.startTimeUnixNano.toString(),
    endTimeUnixNano: s.endTimeUnixNano.toString(),
    durationNano: (s.endTimeUnixNano - s.startTimeUnixNano).toString(),
    status: { code: STATUS_NAMES[s.statusCode] ?? String(s.statusCode), message: s.statusMessage },
    serviceName: s.serviceName,
    resource: { attributes: attributesJson(s.resourceAttributes) },
    scope: { name: s.scopeName, version: s.scopeVersion },
    attributes: attributesJson(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({
      timeUnixNano: e.timeUnixNano.toString(),
      name: e.name,
      attributes: attributesJson(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount,
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({
      traceId: l.traceId,
      spanId: l.spanId,
      traceState: l.traceState,
      flags: l.flags,
      attributes: attributesJson(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount,
    })),
    droppedLinksCount: s.droppedLinksCount,
  };
}
