// The API's JSON shape of a log record: OTLP/JSON conventions (AnyValue body and attributes,
// 64-bit integers as decimal strings), like spans in trace-json.ts.
import type { LogRecord } from '../../common/model/log.ts';
import { anyValueJson, attributesJson } from '../traces/trace-json.ts';
import type { JsonAnyValue, JsonAttribute } from '../traces/trace-json.ts';

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
