// Decodes an OTLP/protobuf ExportTraceServiceRequest body and walks resources, scopes and spans,
// keeping the valid spans and tallying the rejected ones.

import protobuf from 'protobufjs';
import type { Attribute, SpanRecord } from '../../common/model/span.ts';
import { OtlpDecodeError } from './decode-error.ts';
import type { TraceDecodeResult } from './decode-result.ts';
import type { TraceDecodeLimits } from './limits.ts';
import { convertPbAttributes } from './proto-attributes.ts';
import type { PbExportTraceServiceRequest, PbResourceSpans } from './proto-schema.ts';
import { exportTraceServiceRequestType } from './proto-schema.ts';
import { convertPbSpan } from './proto-span.ts';
import { RejectionTally, SpanRejection } from './rejections.ts';
import type { SpanOrigin } from './span-origin.ts';
import { serviceNameFrom } from './span-origin.ts';

export function decodeProtobufTraceRequest(body: Uint8Array, tenant: string, limits: TraceDecodeLimits): TraceDecodeResult {
  const request = decodeRequest(body);
  const spans: SpanRecord[] = [];
  const tally = new RejectionTally();

  for (let r = 0; r < request.resourceSpans.length; r++) {
    const resourceSpans = request.resourceSpans[r];
    if (resourceSpans === undefined) continue;
    let resourceAttributes: readonly Attribute[];
    try {
      resourceAttributes = convertPbAttributes(resourceSpans.resource?.attributes ?? [], limits, 'resource attribute');
    } catch (err) {
      if (!(err instanceof SpanRejection)) throw err;
      tally.add(`resource ${r}`, err.message, countSpans(resourceSpans));
      continue;
    }
    const serviceName = serviceNameFrom(resourceAttributes);

    for (let c = 0; c < resourceSpans.scopeSpans.length; c++) {
      const scopeSpans = resourceSpans.scopeSpans[c];
      if (scopeSpans === undefined) continue;
      const origin: SpanOrigin = {
        tenant,
        serviceName,
        resourceAttributes,
        scopeName: scopeSpans.scope?.name ?? '',
        scopeVersion: scopeSpans.scope?.version ?? '',
      };
      for (let s = 0; s < scopeSpans.spans.length; s++) {
        const span = scopeSpans.spans[s];
        if (span === undefined) continue;
        try {
          spans.push(convertPbSpan(span, origin, limits));
        } catch (err) {
          if (!(err instanceof SpanRejection)) throw err;
          tally.add(`resource ${r} scope ${c} span ${s}`, err.message);
        }
      }
    }
  }
  return { spans, rejectedSpans: tally.count, errorMessage: tally.message() };
}

function decodeRequest(body: Uint8Array): PbExportTraceServiceRequest {
  // A Buffer view gets protobufjs' BufferReader (native UTF-8 decoding): about 2x faster than a
  // plain Uint8Array, measured on 1000-span bodies.
  const reader = protobuf.Reader.create(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  try {
    // The one unchecked cast: protobufjs returns an untyped Message whose shape the schema fixes.
    return exportTraceServiceRequestType.decode(reader) as unknown as PbExportTraceServiceRequest;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new OtlpDecodeError(`invalid protobuf: ${reason} (at byte offset ${reader.pos})`);
  }
}

function countSpans(resourceSpans: PbResourceSpans): number {
  let n = 0;
  for (const scopeSpans of resourceSpans.scopeSpans) n += scopeSpans.spans.length;
  return n;
}
