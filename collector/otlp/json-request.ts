// Decodes an OTLP/JSON ExportTraceServiceRequest body and walks resources, scopes and spans.
// A malformed request structure (anything above the span level that is not the object or array
// the mapping requires) fails the whole body with its JSON path; a malformed span, or resource or
// scope content, rejects only the spans it belongs to.

import type { Attribute, SpanRecord } from '../../common/model/span.ts';
import { OtlpDecodeError } from './decode-error.ts';
import { decodeJsonBody, listAt, objectAt, optionalObjectAt } from './json-body.ts';
import type { TraceDecodeResult } from './decode-result.ts';
import { convertJsonAttributes } from './json-attributes.ts';
import type { JsonObject } from './json-fields.ts';
import { isJsonObject, pick, stringField } from './json-fields.ts';
import { convertJsonSpan } from './json-span.ts';
import type { TraceDecodeLimits } from './limits.ts';
import { RejectionTally, SpanRejection } from './rejections.ts';
import type { SpanOrigin } from './span-origin.ts';
import { serviceNameFrom } from './span-origin.ts';

export function decodeJsonTraceRequest(body: Uint8Array | string, tenant: string, limits: TraceDecodeLimits): TraceDecodeResult {
  return decodeJsonBody(body, (root) => walkRequest(root, tenant, limits));
}

function walkRequest(root: unknown, tenant: string, limits: TraceDecodeLimits): TraceDecodeResult {
  if (!isJsonObject(root)) throw new OtlpDecodeError('request body must be a JSON object');
  const resourceSpansList = listAt(pick(root, 'resourceSpans', 'resource_spans'), 'resourceSpans');
  const spans: SpanRecord[] = [];
  const tally = new RejectionTally();

  for (let r = 0; r < resourceSpansList.length; r++) {
    const path = `resourceSpans[${r}]`;
    const resourceSpans = objectAt(resourceSpansList[r], path);
    const resource = optionalObjectAt(resourceSpans.resource, `${path}.resource`);
    const scopeSpansList = listAt(pick(resourceSpans, 'scopeSpans', 'scope_spans'), `${path}.scopeSpans`);
    const scopes = scopeSpansList.map((scopeSpans, c) => scopeAt(scopeSpans, `${path}.scopeSpans[${c}]`));

    let resourceAttributes: readonly Attribute[];
    try {
      resourceAttributes = convertJsonAttributes(resource?.attributes, limits, 'resource attribute');
    } catch (err) {
      if (!(err instanceof SpanRejection)) throw err;
      tally.add(`resource ${r}`, err.message, scopes.reduce((n, scope) => n + scope.spans.length, 0));
      continue;
    }
    const serviceName = serviceNameFrom(resourceAttributes);

    for (let c = 0; c < scopes.length; c++) {
      const scope = scopes[c];
      if (scope === undefined) continue;
      let origin: SpanOrigin;
      try {
        origin = {
          tenant,
          serviceName,
          resourceAttributes,
          scopeName: stringField(scope.scope?.name, 'scope name'),
          scopeVersion: stringField(scope.scope?.version, 'scope version'),
        };
      } catch (err) {
        if (!(err instanceof SpanRejection)) throw err;
        tally.add(`resource ${r} scope ${c}`, err.message, scope.spans.length);
        continue;
      }
      for (let s = 0; s < scope.spans.length; s++) {
        try {
          spans.push(convertJsonSpan(scope.spans[s], origin, limits));
        } catch (err) {
          if (!(err instanceof SpanRejection)) throw err;
          tally.add(`resource ${r} scope ${c} span ${s}`, err.message);
        }
      }
    }
  }
  return { spans, rejectedSpans: tally.count, errorMessage: tally.message() };
}

interface JsonScopeSpans {
  readonly scope: JsonObject | undefined;
  readonly spans: readonly unknown[];
}

/** Checks a whole ScopeSpans' structure before any span is converted, so errors are all-or-nothing. */
function scopeAt(value: unknown, path: string): JsonScopeSpans {
  const scopeSpans = objectAt(value, path);
  return {
    scope: optionalObjectAt(scopeSpans.scope, `${path}.scope`),
    spans: listAt(scopeSpans.spans, `${path}.spans`),
  };
}
