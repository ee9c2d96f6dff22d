// The resource -> scope -> item walk every OTLP/JSON export request shares (traces and logs; the
// metrics decoder counts data points first and walks on its own). A malformed structure above the
// item level fails the whole body with its JSON path; a malformed item, or bad resource or scope
// content, rejects only the items it covers, counted in the tally.
import type { Attribute } from '../../common/model/span.ts';
import { OtlpDecodeError } from './decode-error.ts';
import { listAt, objectAt, optionalObjectAt } from './json-body.ts';
import { convertJsonAttributes } from './json-attributes.ts';
import type { JsonObject } from './json-fields.ts';
import { isJsonObject, pick, stringField } from './json-fields.ts';
import type { TraceDecodeLimits } from './limits.ts';
import type { RejectionTally } from './rejections.ts';
import { SpanRejection } from './rejections.ts';
import type { SpanOrigin } from './span-origin.ts';
import { serviceNameFrom } from './span-origin.ts';

/** JSON field names (lowerCamelCase, then the proto name) of one signal's request levels. */
export interface OtlpJsonShape {
  readonly resources: readonly [string, string];
  readonly scopes: readonly [string, string];
  readonly items: readonly [string, string];
  /** How a rejection message names one item: 'span', 'log record'. */
  readonly itemLabel: string;
}

interface JsonScope {
  readonly scope: JsonObject | undefined;
  readonly items: readonly unknown[];
}

/** Checks a whole scope's structure before any item is converted, so errors are all-or-nothing. */
function scopeAt(value: unknown, path: string, shape: OtlpJsonShape): JsonScope {
  const scope = objectAt(value, path);
  return {
    scope: optionalObjectAt(scope.scope, `${path}.scope`),
    items: listAt(pick(scope, ...shape.items), `${path}.${shape.items[0]}`),
  };
}

export function walkJsonRequest<T>(
  root: unknown,
  shape: OtlpJsonShape,
  tenant: string,
  limits: TraceDecodeLimits,
  tally: RejectionTally,
  convert: (item: unknown, origin: SpanOrigin) => T,
): T[] {
  if (!isJsonObject(root)) throw new OtlpDecodeError('request body must be a JSON object');
  const [resourcesKey] = shape.resources;
  const resourceList = listAt(pick(root, ...shape.resources), resourcesKey);
  const out: T[] = [];

  for (let r = 0; r < resourceList.length; r++) {
    const path = `${resourcesKey}[${r}]`;
    const entry = objectAt(resourceList[r], path);
    const resource = optionalObjectAt(entry.resource, `${path}.resource`);
    const scopeList = listAt(pick(entry, ...shape.scopes), `${path}.${shape.scopes[0]}`);
    const scopes = scopeList.map((scope, c) => scopeAt(scope, `${path}.${shape.scopes[0]}[${c}]`, shape));

    let resourceAttributes: readonly Attribute[];
    try {
      resourceAttributes = convertJsonAttributes(resource?.attributes, limits, 'resource attribute');
    } catch (err) {
      if (!(err instanceof SpanRejection)) throw err;
      tally.add(`resource ${r}`, err.message, scopes.reduce((n, scope) => n + scope.items.length, 0));
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
        tally.add(`resource ${r} scope ${c}`, err.message, scope.items.length);
        continue;
      }
      for (let i = 0; i < scope.items.length; i++) {
        try {
          out.push(convert(scope.items[i], origin));
        } catch (err) {
          if (!(err instanceof SpanRejection)) throw err;
          tally.add(`resource ${r} scope ${c} ${shape.itemLabel} ${i}`, err.message);
        }
      }
    }
  }
  return out;
}
