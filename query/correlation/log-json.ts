// The API's JSON shape of a log record: OTLP/JSON conventions (AnyValue body and attributes,
// 64-bit integers as decimal strings), like the span shape in traces/trace-json.ts.
import { Type } from '@sinclair/typebox';
import type { LogRecord } from '../../common/model/log.ts';
import { anyValueJson, attributesJson } from '../traces/trace-json.ts';

const Attributes = Type.Array(Type.Object({ key: Type.String(), value: Type.Unknown() }));

export const LogJsonSchema = Type.Object({
  timeUnixNano: Type.String(),
  observedTimeUnixNano: Type.String(),
  severityNumber: Type.Integer(),
  severityText: Type.String(),
  body: Type.Unknown({ description: 'OTLP/JSON AnyValue' }),
  attributes: Attributes,
  droppedAttributesCount: Type.Integer(),
  flags: Type.Integer(),
  traceId: Type.String(),
  spanId: Type.String(),
  eventName: Type.String(),
  serviceName: Type.String(),
  resource: Type.Object({ attributes: Attributes }),
  scope: Type.Object({ name: Type.String(), version: Type.String() }),
});

export function logJson(r: LogRecord): Record<string, unknown> {
  return {
    timeUnixNano: r.timeUnixNano.toString(),
    observedTimeUnixNano: r.observedTimeUnixNano.toString(),
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: anyValueJson(r.body),
    attributes: attributesJson(r.attributes),
    droppedAttributesCount: r.droppedAttributesCount,
    flags: r.flags,
    traceId: r.traceId,
    spanId: r.spanId,
    eventName: r.eventName,
    serviceName: r.serviceName,
    resource: { attributes: attributesJson(r.resourceAttributes) },
    scope: { name: r.scopeName, version: r.scopeVersion },
  };
}
