// The log record as Cairn carries it between tiers: decoded from OTLP by the receiver, written
// into ClickHouse by the ingester, read back by the query service. Attribute values share the
// span model's typed AttributeValue, so a body or attribute reads back as what was sent.
import type { Attribute, AttributeValue } from './span.ts';

/** OTLP SeverityNumber range: 0 is UNSPECIFIED, 1..24 are TRACE..FATAL4. */
export const MAX_SEVERITY_NUMBER = 24;

export interface LogRecord {
  readonly tenant: string;
  /**
   * When the event happened: OTLP time_unix_nano, or observed_time_unix_nano when the sender did
   * not know the time (sent 0), as the OTLP data model recommends. Never 0.
   */
  readonly timeUnixNano: bigint;
  /** When the collection system first saw the event; 0 when the sender did not set it. */
  readonly observedTimeUnixNano: bigint;
  /** 0..MAX_SEVERITY_NUMBER. */
  readonly severityNumber: number;
  readonly severityText: string;
  /** Any AnyValue; `{ type: 'empty' }` when the record had no body. */
  readonly body: AttributeValue;
  readonly attributes: readonly Attribute[];
  readonly droppedAttributesCount: number;
  /** Low 8 bits: W3C trace flags of the span the record belongs to. */
  readonly flags: number;
  /** Lower-case hex, 32 characters, or '' when the record is not part of a trace. */
  readonly traceId: string;
  /** Lower-case hex, 16 characters, or ''. */
  readonly spanId: string;
  readonly eventName: string;
  /** Taken from the resource attribute service.name; 'unknown_service' when absent. */
  readonly serviceName: string;
  readonly resourceAttributes: readonly Attribute[];
  readonly scopeName: string;
  readonly scopeVersion: string;
}
