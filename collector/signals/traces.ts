// The traces signal: OTLP spans become spans rows, keyed by trace_id so a whole trace is in one
// Kafka partition (and, through cityHash64(trace_id), on one ClickHouse shard).
import { SPAN_ROW_FORMAT, encodeSpanRow } from '../../common/clickhouse/span-row.ts';
import { spansIngestTable } from '../../common/clickhouse/tables/spans-ingest.ts';
import { decodeTracesJson, decodeTracesProtobuf } from '../otlp/decode-traces.ts';
import type { Signal } from './signal.ts';

export const tracesSignal: Signal = {
  name: 'traces',
  httpPath: '/v1/traces',
  grpcMethod: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  rejectedField: 'rejectedSpans',
  decode(body, encoding, tenant) {
    const decoded = encoding === 'protobuf' ? decodeTracesProtobuf(body, tenant) : decodeTracesJson(body, tenant);
    return {
      rows: decoded.spans.map((span) => ({ key: span.traceId, format: SPAN_ROW_FORMAT, value: encodeSpanRow(span) })),
      accepted: decoded.spans.length,
      rejected: decoded.rejectedSpans,
      errorMessage: decoded.errorMessage,
    };
  },
  // Into spans_ingest, whose views write spans and everything derived from it (spans-ingest.ts).
  tables: new Map([[SPAN_ROW_FORMAT, spansIngestTable]]),
};
