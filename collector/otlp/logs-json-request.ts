// Decodes an OTLP/JSON ExportLogsServiceRequest body and walks resources, scopes and log records.
// As for traces: a malformed request structure above the log record level fails the whole body
// with its JSON path; a malformed record, or resource or scope content, rejects only the records
// it belongs to. Long-number handling is the trace decoder's (parse once, re-parse quoted).

import type { LogRecord } from '../../common/model/log.ts';
import type { Attribute } from '../../common/model/span.ts';
import { OtlpDecodeError } from './decode-error.ts';
import { decodeJsonBody, listAt, objectAt, optionalObjectAt } from './json-body.ts';
import { convertJsonAttributes } from './json-attributes.ts';
import type { JsonObject } from './json-fields.ts';
import { isJsonObject, pick, stringField } from './json-fields.ts';
import type { TraceDecodeLimits } from './limits.ts';
import type { LogDecodeResult } from './logs-decode-result.ts';
import { logRejectionMessage } from './logs-decode-result.ts';
import { convertJsonLogRecord } from './logs-json-record.ts';
import { RejectionTally, SpanRejection } from './rejections.ts';
import type { SpanOrigin } from './span-origin.ts';
import { serviceNameFrom } from './span-origin.ts';
import { bodyLimits } from './validate-log.ts';

export function decodeJsonLogsRequest(body: Uint8Array | string, tenant: string, limits: TraceDecodeLimits): LogDecodeResult {
  return decodeJsonBody(body, (root) => walkRequest(root, tenant, limits));
}

function walkRequest(root: unknown, tenant: string, limits: TraceDecodeLimits): LogDecodeResult {
  if (!isJsonObject(root)) throw new OtlpDecodeError('request body must be a JSON object');
  const resourceLogsList = listAt(pick(root, 'resourceLogs', 'resource_logs'), 'resourceLogs');
  const forBody = bodyLimits(limits);
  const records: LogRecord[] = [];
  const tally = new RejectionTally();

  for (let r = 0; r < resourceLogsList.length; r++) {
    const path = `resourceLogs[${r}]`;
    const resourceLogs = objectAt(resourceLogsList[r], path);
    const resource = optionalObjectAt(resourceLogs.resource, `${path}.resource`);
    const scopeLogsList = listAt(pick(resourceLogs, 'scopeLogs', 'scope_logs'), `${path}.scopeLogs`);
    const scopes = scopeLogsList.map((scopeLogs, c) => scopeAt(scopeLogs, `${path}.scopeLogs[${c}]`));

    let resourceAttributes: readonly Attribute[];
    try {
      resourceAttributes = convertJsonAttributes(resource?.attributes, limits, 'resource attribute');
    } catch (err) {
      if (!(err instanceof SpanRejection)) throw err;
      tally.add(`resource ${r}`, err.message, scopes.reduce((n, scope) => n + scope.logRecords.length, 0));
      continue;
    }
    const serviceName = serviceNameFrom(resourceAttributes);

    for (let c = 0; c < scopes.length; c++) {
      const scope = scopes[c];
      if (scope === undefined) continue;
      let origin: SpanOrigin;
      try {
        origin = {
          tenant,
          serviceName,
          resourceAttributes,
          scopeName: stringField(scope.scope?.name, 'scope name'),
          scopeVersion: stringField(scope.scope?.version, 'scope version'),
        };
      } catch (err) {
        if (!(err instanceof SpanRejection)) throw err;
        tally.add(`resource ${r} scope ${c}`, err.message, scope.logRecords.length);
        continue;
      }
      for (let l = 0; l < scope.logRecords.length; l++) {
        try {
          records.push(convertJsonLogRecord(scope.logRecords[l], origin, limits, forBody));
        } catch (err) {
          if (!(err instanceof SpanRejection)) throw err;
          tally.add(`resource ${r} scope ${c} log record ${l}`, err.message);
        }
      }
    }
  }
  return { records, rejected: tally.count, errorMessage: logRejectionMessage(tally) };
}

interface JsonScopeLogs {
  readonly scope: JsonObject | undefined;
  readonly logRecords: readonly unknown[];
}

/** Checks a whole ScopeLogs' structure before any record is converted, so errors are all-or-nothing. */
function scopeAt(value: unknown, path: string): JsonScopeLogs {
  const scopeLogs = objectAt(value, path);
  return {
    scope: optionalObjectAt(scopeLogs.scope, `${path}.scope`),
    logRecords: listAt(pick(scopeLogs, 'logRecords', 'log_records'), `${path}.logRecords`),
  };
}
