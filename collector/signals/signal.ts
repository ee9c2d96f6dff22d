// What the receiver and the ingester need to know about one OTLP signal (traces, logs, metrics).
// Both are generic over this: the receiver decodes a request into Kafka rows, the ingester routes
// each row to its table by the row's format. Adding a signal means adding one of these.
import type { InsertTable } from '../../common/clickhouse/tables/table-def.ts';
import type { BodyEncoding } from '../receiver/request-body.ts';

export type SignalName = 'traces' | 'logs' | 'metrics';

/** One ClickHouse row on its way through Kafka. */
export interface KafkaRow {
  /** Partition key: rows with the same key stay in order in one partition. */
  readonly key: string;
  /** Versioned row format, e.g. 'spans.v1'; names the table the row belongs to. */
  readonly format: string;
  /** The row as one JSONEachRow line (no newline): inserted byte for byte. */
  readonly value: string;
}

export interface SignalDecodeResult {
  readonly rows: KafkaRow[];
  /** Items (spans, log records, data points) accepted. */
  readonly accepted: number;
  /** Items rejected as invalid (reported as OTLP partial success). */
  readonly rejected: number;
  /** '' when nothing was rejected, else a short summary of why. */
  readonly errorMessage: string;
  /** Of `rejected`, how many were valid but refused by a limit (series cardinality). */
  readonly refused?: number;
}

export interface Signal {
  readonly name: SignalName;
  /** OTLP/HTTP path, e.g. '/v1/traces'. */
  readonly httpPath: string;
  /** Fully-qualified gRPC method, e.g. '/opentelemetry.proto.collector.trace.v1.TraceService/Export'. */
  readonly grpcMethod: string;
  /** Field of ExportXServiceResponse.partial_success that counts rejected items (JSON name). */
  readonly rejectedField: string;
  /** Decodes a whole export request; throws OtlpDecodeError when the body cannot be decoded. */
  decode(body: Uint8Array, encoding: BodyEncoding, tenant: string): SignalDecodeResult;
  /** Row format -> table, for every format this signal produces. */
  readonly tables: ReadonlyMap<string, InsertTable>;
}
