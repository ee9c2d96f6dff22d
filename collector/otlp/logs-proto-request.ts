// Decodes an OTLP/protobuf ExportLogsServiceRequest body and walks resources, scopes and log
// records, keeping the valid records and tallying the rejected ones. Attributes and the body go
// through the trace decoder's attribute converter, so every limit applies exactly as for spans.

import protobuf from 'protobufjs';
import type { LogRecord } from '../../common/model/log.ts';
import type { Attribute, AttributeValue } from '../../common/model/span.ts';
import { OtlpDecodeError } from './decode-error.ts';
import type { LogDecodeResult } from './logs-decode-result.ts';
import { logRejectionMessage } from './logs-decode-result.ts';
import type { PbExportLogsServiceRequest, PbLogRecord, PbResourceLogs } from './logs-proto-schema.ts';
import { exportLogsServiceRequestType } from './logs-proto-schema.ts';
import type { TraceDecodeLimits } from './limits.ts';
import { convertPbAttributes } from './proto-attributes.ts';
import type { PbAnyValue } from './proto-schema.ts';
import { uint64ToBigInt } from './proto-schema.ts';
import { RejectionTally, SpanRejection } from './rejections.ts';
import type { SpanOrigin } from './span-origin.ts';
import { serviceNameFrom } from './span-origin.ts';
import {
  BODY_KEY,
  bodyLimits,
  checkSeverityNumber,
  LOG_SPAN_ID_BYTES,
  LOG_TRACE_ID_BYTES,
  logTime,
  optionalIdFromBytes,
} from './validate-log.ts';

const EMPTY_VALUE: AttributeValue = Object.freeze({ type: 'empty' });

export function decodeProtobufLogsRequest(body: Uint8Array, tenant: string, limits: TraceDecodeLimits): LogDecodeResult {
  const request = decodeRequest(body);
  const forBody = bodyLimits(limits);
  const records: LogRecord[] = [];
  const tally = new RejectionTally();

  for (let r = 0; r < request.resourceLogs.length; r++) {
    const resourceLogs = request.resourceLogs[r];
    if (resourceLogs === undefined) continue;
    let resourceAttributes: readonly Attribute[];
    try {
      resourceAttributes = convertPbAttributes(resourceLogs.resource?.attributes ?? [], limits, 'resource attribute');
    } catch (err) {
      if (!(err instanceof SpanRejection)) throw err;
      tally.add(`resource ${r}`, err.message, countRecords(resourceLogs));
      continue;
    }
    const serviceName = serviceNameFrom(resourceAttributes);

    for (let c = 0; c < resourceLogs.scopeLogs.length; c++) {
      const scopeLogs = resourceLogs.scopeLogs[c];
      if (scopeLogs === undefined) continue;
      const origin: SpanOrigin = {
        tenant,
        serviceName,
        resourceAttributes,
        scopeName: scopeLogs.scope?.name ?? '',
        scopeVersion: scopeLogs.scope?.version ?? '',
      };
      for (let l = 0; l < scopeLogs.logRecords.length; l++) {
        const record = scopeLogs.logRecords[l];
        if (record === undefined) continue;
        try {
          records.push(convertPbLogRecord(record, origin, limits, forBody));
        } catch (err) {
          if (!(err instanceof SpanRejection)) throw err;
          tally.add(`resource ${r} scope ${c} log record ${l}`, err.message);
        }
      }
    }
  }
  return { records, rejected: tally.count, errorMessage: logRejectionMessage(tally) };
}

function convertPbLogRecord(
  record: PbLogRecord,
  origin: SpanOrigin,
  limits: TraceDecodeLimits,
  forBody: TraceDecodeLimits,
): LogRecord {
  const observedTimeUnixNano = uint64ToBigInt(record.observedTimeUnixNano);
  const timeUnixNano = logTime(uint64ToBigInt(record.timeUnixNano), observedTimeUnixNano);
  checkSeverityNumber(record.severityNumber);
  const traceId = optionalIdFromBytes(record.traceId, LOG_TRACE_ID_BYTES, 'trace_id');
  const spanId = optionalIdFromBytes(record.spanId, LOG_SPAN_ID_BYTES, 'span_id');
  return {
    tenant: origin.tenant,
    timeUnixNano,
    observedTimeUnixNano,
    severityNumber: record.severityNumber,
    severityText: record.severityText,
    body: convertBody(record.body, forBody),
    attributes: convertPbAttributes(record.attributes, limits, 'attribute'),
    droppedAttributesCount: record.droppedAttributesCount,
    flags: record.flags,
    traceId,
    spanId,
    eventName: record.eventName,
    serviceName: origin.serviceName,
    resourceAttributes: origin.resourceAttributes,
    scopeName: origin.scopeName,
    scopeVersion: origin.scopeVersion,
  };
}

function convertBody(body: PbAnyValue | null, forBody: TraceDecodeLimits): AttributeValue {
  if (body === null) return EMPTY_VALUE;
  return convertPbAttributes([{ key: BODY_KEY, value: body }], forBody, 'body')[0]?.value ?? EMPTY_VALUE;
}

function decodeRequest(body: Uint8Array): PbExportLogsServiceRequest {
  // A Buffer view gets protobufjs' BufferReader (native UTF-8 decoding), as in proto-request.ts.
  const reader = protobuf.Reader.create(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  try {
    // The one unchecked cast: protobufjs returns an untyped Message whose shape the schema fixes.
    return exportLogsServiceRequestType.decode(reader) as unknown as PbExportLogsServiceRequest;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new OtlpDecodeError(`invalid protobuf: ${reason} (at byte offset ${reader.pos})`);
  }
}

function countRecords(resourceLogs: PbResourceLogs): number {
  let n = 0;
  for (const scopeLogs of resourceLogs.scopeLogs) n += scopeLogs.logRecords.length;
  return n;
}
