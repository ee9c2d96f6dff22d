// Decodes an OTLP/JSON ExportTraceServiceRequest body and walks resources, scopes and spans.
// A malformed request structure (anything above the span level that is not the object or array
// the mapping requires) fails the whole body with its JSON path; a malformed span, or resource or
// scope content, rejects only the spans it belongs to.

import type { Attribute, SpanRecord } from '../../common/model/span.ts';
import { OtlpDecodeError } from './decode-error.ts';
import type { TraceDecodeResult } from './decode-result.ts';
import { convertJsonAttributes } from './json-attributes.ts';
import type { JsonObject } from './json-fields.ts';
import { isJsonObject, pick, stringField } from './json-fields.ts';
import { InexactJsonNumber, quoteLongNumbers } from './json-numbers.ts';
import { convertJsonSpan } from './json-span.ts';
import type { TraceDecodeLimits } from './limits.ts';
import { RejectionTally, SpanRejection } from './rejections.ts';
import type { SpanOrigin } from './span-origin.ts';
import { serviceNameFrom } from './span-origin.ts';

export function decodeJsonTraceRequest(body: Uint8Array | string, tenant: string, limits: TraceDecodeLimits): TraceDecodeResult {
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  try {
    return walkRequest(parseJson(text), tenant, limits);
  } catch (err) {
    if (!(err instanceof InexactJsonNumber)) throw err;
  }
  // Only senders that put 64-bit values beyond 2^53 in bare JSON numbers (the OTLP/JSON mapping
  // asks for strings) pay for this second parse; everyone else gets JSON.parse's speed.
  try {
    return walkRequest(parseJson(quoteLongNumbers(text)), tenant, limits);
  } catch (err) {
    if (err instanceof InexactJsonNumber) throw new OtlpDecodeError('JSON number cannot be read exactly');
    throw err;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
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

function objectAt(value: unknown, path: string): JsonObject {
  if (!isJsonObject(value)) throw new OtlpDecodeError(`${path} must be an object`);
  return value;
}

function optionalObjectAt(value: unknown, path: string): JsonObject | undefined {
  return value === undefined || value === null ? undefined : objectAt(value, path);
}

function listAt(value: unknown, path: string): readonly unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpDecodeError(`${path} must be an array`);
  return value;
}
