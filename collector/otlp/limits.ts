// Per-span limits the OTLP trace decoders enforce. A span over a limit is rejected whole rather
// than truncated, so what Cairn stores is always exactly what the sender sent.

export interface TraceDecodeLimits {
  /** Most entries in one attribute list (span, event, link or resource), nested lists not counted. */
  readonly maxAttributes: number;
  /** Most UTF-8 bytes in one string value, or bytes in one bytes value, at any nesting depth. */
  readonly maxAttributeValueBytes: number;
  readonly maxEvents: number;
  readonly maxLinks: number;
  /** Most UTF-8 bytes in a span name. */
  readonly maxSpanNameBytes: number;
}

export const defaultTraceDecodeLimits: TraceDecodeLimits = Object.freeze({
  maxAttributes: 128,
  maxAttributeValueBytes: 16384,
  maxEvents: 128,
  maxLinks: 128,
  maxSpanNameBytes: 1024,
});

/**
 * Deepest nesting of array/kvlist attribute values accepted. Not configurable: it exists only so
 * a hostile body cannot turn the recursive conversion into a stack overflow.
 */
export const MAX_ATTRIBUTE_DEPTH = 32;
