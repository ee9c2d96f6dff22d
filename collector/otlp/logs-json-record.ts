// Converts one OTLP/JSON LogRecord object into a LogRecord, throwing SpanRejection (the shared
// per-item rejection) on the first rule it breaks, including a field of the wrong JSON type.
// Messages use the OTLP proto field names, the same as the protobuf decoder's.

import type { LogRecord } from '../../common/model/log.ts';
import type { AttributeValue } from '../../common/model/span.ts';
import { convertJsonAttributes } from './json-attributes.ts';
import type { JsonObject } from './json-fields.ts';
import { isJsonObject, pick, stringField } from './json-fields.ts';
import { parseEnum, parseUint32, parseUint64 } from './json-numbers.ts';
import type { TraceDecodeLimits } from './limits.ts';
import { SpanRejection } from './rejections.ts';
import type { SpanOrigin } from './span-origin.ts';
import {
  BODY_KEY,
  checkSeverityNumber,
  LOG_SPAN_ID_BYTES,
  LOG_TRACE_ID_BYTES,
  logTime,
  optionalIdFromHex,
} from './validate-log.ts';

const EMPTY_VALUE: AttributeValue = Object.freeze({ type: 'empty' });

const SEVERITY_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
/** SEVERITY_NUMBER_UNSPECIFIED = 0, then TRACE, TRACE2..TRACE4, DEBUG, ... FATAL4 = 24. */
const SEVERITY_NUMBER_NAMES: ReadonlyMap<string, number> = new Map([
  ['SEVERITY_NUMBER_UNSPECIFIED', 0],
  ...SEVERITY_LEVELS.flatMap((level, i) =>
    [1, 2, 3, 4].map((step): [string, number] => [`SEVERITY_NUMBER_${level}${step === 1 ? '' : step}`, i * 4 + step]),
  ),
]);

/** `forBody` is bodyLimits(limits), computed once per request. */
export function convertJsonLogRecord(
  record: unknown,
  origin: SpanOrigin,
  limits: TraceDecodeLimits,
  forBody: TraceDecodeLimits,
): LogRecord {
  if (!isJsonObject(record)) throw new SpanRejection('log record must be an object');
  const observedTimeUnixNano = uint64Field(record, 'observedTimeUnixNano', 'observed_time_unix_nano');
  const timeUnixNano = logTime(uint64Field(record, 'timeUnixNano', 'time_unix_nano'), observedTimeUnixNano);
  const severityNumber = severityField(pick(record, 'severityNumber', 'severity_number'));
  checkSeverityNumber(severityNumber);
  const traceId = optionalIdFromHex(pick(record, 'traceId', 'trace_id'), LOG_TRACE_ID_BYTES, 'trace_id');
  const spanId = optionalIdFromHex(pick(record, 'spanId', 'span_id'), LOG_SPAN_ID_BYTES, 'span_id');
  const body = record.body ?? undefined;

  return {
    tenant: origin.tenant,
    timeUnixNano,
    observedTimeUnixNano,
    severityNumber,
    severityText: stringField(pick(record, 'severityText', 'severity_text'), 'severity_text'),
    body: body === undefined ? EMPTY_VALUE : (convertJsonAttributes([{ key: BODY_KEY, value: body }], forBody, 'body')[0]?.value ?? EMPTY_VALUE),
    attributes: convertJsonAttributes(record.attributes, limits, 'attribute'),
    droppedAttributesCount: uint32Field(pick(record, 'droppedAttributesCount', 'dropped_attributes_count'), 'dropped_attributes_count'),
    flags: uint32Field(record.flags, 'flags'),
    traceId,
    spanId,
    eventName: stringField(pick(record, 'eventName', 'event_name'), 'event_name'),
    serviceName: origin.serviceName,
    resourceAttributes: origin.resourceAttributes,
    scopeName: origin.scopeName,
    scopeVersion: origin.scopeVersion,
  };
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

function severityField(raw: unknown): number {
  if (raw === undefined) return 0;
  const value = parseEnum(raw, SEVERITY_NUMBER_NAMES);
  if (value === undefined) throw new SpanRejection('severity_number must be an integer or a SeverityNumber name');
  return value;
}
