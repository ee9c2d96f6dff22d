// What every span of one resource/scope pair shares: tenant, service, resource attributes and
// instrumentation scope. Converted once per scope, then referenced by each of its spans.

import type { Attribute } from '../../common/model/span.ts';

export interface SpanOrigin {
  readonly tenant: string;
  readonly serviceName: string;
  readonly resourceAttributes: readonly Attribute[];
  readonly scopeName: string;
  readonly scopeVersion: string;
}

export const UNKNOWN_SERVICE = 'unknown_service';

/** The resource's `service.name` when it is a string, as the OTel resource semantic conventions say. */
export function serviceNameFrom(resourceAttributes: readonly Attribute[]): string {
  for (const attribute of resourceAttributes) {
    if (attribute.key === 'service.name' && attribute.value.type === 'string') return attribute.value.value;
  }
  return UNKNOWN_SERVICE;
}
