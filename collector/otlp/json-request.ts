// Decodes an OTLP/JSON ExportTraceServiceRequest body: resources, scopes and spans walked by
// json-resource-walk.ts, each span converted by json-span.ts.
import { decodeJsonBody } from './json-body.ts';
import type { TraceDecodeResult } from './decode-result.ts';
import { walkJsonRequest } from './json-resource-walk.ts';
import type { OtlpJsonShape } from './json-resource-walk.ts';
import { convertJsonSpan } from './json-span.ts';
import type { TraceDecodeLimits } from './limits.ts';
import { RejectionTally } from './rejections.ts';

const TRACES: OtlpJsonShape = {
  resources: ['resourceSpans', 'resource_spans'],
  scopes: ['scopeSpans', 'scope_spans'],
  items: ['spans', 'spans'],
  itemLabel: 'span',
};

export function decodeJsonTraceRequest(body: Uint8Array | string, tenant: string, limits: TraceDecodeLimits): TraceDecodeResult {
  return decodeJsonBody(body, (root) => {
    const tally = new RejectionTally();
    const spans = walkJsonRequest(root, TRACES, tenant, limits, tally, (item, origin) => convertJsonSpan(item, origin, limits));
    return { spans, rejectedSpans: tally.count, errorMessage: tally.message() };
  });
}
