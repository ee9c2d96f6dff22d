// Decodes an OTLP/JSON ExportLogsServiceRequest body: resources, scopes and log records walked by
// json-resource-walk.ts (as for traces), each record converted by logs-json-record.ts.
import { decodeJsonBody } from './json-body.ts';
import { walkJsonRequest } from './json-resource-walk.ts';
import type { OtlpJsonShape } from './json-resource-walk.ts';
import type { TraceDecodeLimits } from './limits.ts';
import type { LogDecodeResult } from './logs-decode-result.ts';
import { logRejectionMessage } from './logs-decode-result.ts';
import { convertJsonLogRecord } from './logs-json-record.ts';
import { RejectionTally } from './rejections.ts';
import { bodyLimits } from './validate-log.ts';

const LOGS: OtlpJsonShape = {
  resources: ['resourceLogs', 'resource_logs'],
  scopes: ['scopeLogs', 'scope_logs'],
  items: ['logRecords', 'log_records'],
  itemLabel: 'log record',
};

export function decodeJsonLogsRequest(body: Uint8Array | string, tenant: string, limits: TraceDecodeLimits): LogDecodeResult {
  const forBody = bodyLimits(limits);
  return decodeJsonBody(body, (root) => {
    const tally = new RejectionTally();
    const records = walkJsonRequest(root, LOGS, tenant, limits, tally, (item, origin) => convertJsonLogRecord(item, origin, limits, forBody));
    return { records, rejected: tally.count, errorMessage: logRejectionMessage(tally) };
  });
}
