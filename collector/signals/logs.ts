// The logs signal: OTLP log records become logs rows, keyed by tenant and resource so each
// process's logs stay in order in one Kafka partition.
import { LOG_ROW_FORMAT, encodeLogRow, logPartitionKey } from '../../common/clickhouse/log-row.ts';
import { logsTable } from '../../common/clickhouse/tables/logs.ts';
import { decodeLogsJson, decodeLogsProtobuf } from '../otlp/decode-logs.ts';
import type { Signal } from './signal.ts';

export const logsSignal: Signal = {
  name: 'logs',
  httpPath: '/v1/logs',
  grpcMethod: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  rejectedField: 'rejectedLogRecords',
  decode(body, encoding, tenant) {
    const decoded = encoding === 'protobuf' ? decodeLogsProtobuf(body, tenant) : decodeLogsJson(body, tenant);
    return {
      rows: decoded.records.map((r) => ({ key: logPartitionKey(r), format: LOG_ROW_FORMAT, value: encodeLogRow(r) })),
      accepted: decoded.records.length,
      rejected: decoded.rejected,
      errorMessage: decoded.errorMessage,
    };
  },
  tables: new Map([[LOG_ROW_FORMAT, logsTable]]),
};
