// The span as Cairn carries it between tiers: decoded from OTLP by the receiver, written into
// ClickHouse by the ingester, read back by the query service. One shape for all three, so a
// field added here is visibly added everywhere.

/** OTLP AnyValue, kept typed so a stored attribute reads back as what was sent. */
export type AttributeValue =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'int'; readonly value: bigint }
  | { readonly type: 'double'; readonly value: number }
  | { readonly type: 'bytes'; readonly value: Uint8Array }
  | { readonly type: 'array'; readonly value: readonly AttributeValue[] }
  | { readonly type: 'kvlist'; readonly value: readonly Attribute[] }
  | { readonly type: 'empty' };

export interface Attribute {
  readonly key: string;
  readonly value: AttributeValue;
}

/** OTLP Span.SpanKind numbers. */
export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;

/** OTLP Status.StatusCode numbers. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export interface SpanEvent {
  readonly timeUnixNano: bigint;
  readonly name: string;
  readonly attributes: readonly Attribute[];
  readonly droppedAttributesCount: number;
}

export interface SpanLink {
  /** Lower-case hex, 32 characters. */
  readonly traceId: string;
  /** Lower-case hex, 16 characters. */
  readonly spanId: string;
  readonly traceState: string;
  readonly attributes: readonly Attribute[];
  readonly droppedAttributesCount: number;
  readonly flags: number;
}

export interface SpanRecord {
  readonly tenant: string;
  /** Lower-case hex, 32 characters, never all zeros. */
  readonly traceId: string;
  /** Lower-case hex, 16 characters, never all zeros. */
  readonly spanId: string;
  /** Lower-case hex, 16 characters, or '' for a root span. */
  readonly parentSpanId: string;
  readonly traceState: string;
  readonly flags: number;
  readonly name: string;
  readonly kind: number;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly statusCode: number;
  readonly statusMessage: string;
  /** Taken from the resource attribute service.name; 'unknown_service' when absent. */
  readonly serviceName: string;
  readonly resourceAttributes: readonly Attribute[];
  readonly scopeName: string;
  readonly scopeVersion: string;
  readonly attributes: readonly Attribute[];
  readonly droppedAttributesCount: number;
  readonly events: readonly SpanEvent[];
  readonly droppedEventsCount: number;
  readonly links: readonly SpanLink[];
  readonly droppedLinksCount: number;
}
