// What a trace decoder hands the receiver: the accepted spans plus the OTLP partial-success
// figures (rejected_spans, error_message) for the rest.

import type { SpanRecord } from '../../common/model/span.ts';

export interface TraceDecodeResult {
  spans: SpanRecord[];
  rejectedSpans: number;
  /** '' when nothing was rejected; else a bounded summary of the first few reasons. */
  errorMessage: string;
}
