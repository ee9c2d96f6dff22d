// The API's JSON shape of a log record: OTLP/JSON conventions (AnyValue body and attributes,
// 64-bit integers as decimal strings), like spans in trace-json.ts.
import { Type } from '@sinclair/typebox';
import type { LogRecord } from '../../common/model/log.ts';
import { anyValueJson, attributesJson } from '../traces/trace-json.ts';
import type { JsonAnyValue, JsonAttribute } from '../traces/trace-json.ts';

const Attributes = Type.Array(Type.Object({ key: Type.String(), value: Type.Unknown() }));

/** The response schema of a log record, for routes that return logs. */
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

export interface LogJson {
  readonly timeUnixNano: string;
  readonly observedTimeUnixNano: string;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: JsonAnyValue;
  readonly attributes: JsonAttribute[];
  readonly resource: { readonly attributes: JsonAttribute[] };
  readonly scope: { readonly name: string; readonly version: string };
  readonly traceId: string;
  readonly spanId: string;
  readonly flags: number;
  readonly eventName: string;
  readonly serviceName: string;
  readonly droppedAttributesCount: number;
}

export function logJson(r: LogRecord): LogJson {
  return {
    timeUnixNano: r.timeUnixNano.toString(),
    observedTimeUnixNano: r.observedTimeUnixNano.toString(),
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: anyValueJson(r.body),
    attributes: attributesJson(r.attributes),
    resource: { attributes: attributesJson(r.resourceAttributes) },
    scope: { name: r.scopeName, version: r.scopeVersion },
    traceId: r.traceId,
    spanId: r.spanId,
    flags: r.flags,
    eventName: r.eventName,
    serviceName: r.serviceName,
    droppedAttributesCount: r.droppedAttributesCount,
  };
}
