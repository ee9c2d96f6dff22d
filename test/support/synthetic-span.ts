// Deterministic spans for tests that need many of them: span i belongs to trace i / 5, so traces
// have several spans and ids are reproducible from (i, salt).
import { createHash } from 'node:crypto';
import type { SpanRecord } from '../../common/model/span.ts';

function hex(input: string, chars: number): string {
  return createHash('sha256').update(input).digest('hex').slice(0, chars);
}

export function syntheticSpan(i: number, salt: string, tenant = 'default'): SpanRecord {
  const trace = Math.floor(i / 5);
  const start = 1_763_800_000_000_000_000n + BigInt(i) * 1_000_003n;
  return {
    tenant,
    traceId: hex(`${salt}:trace:${trace}`, 32),
    spanId: hex(`${salt}:span:${i}`, 16),
    parentSpanId: i % 5 === 0 ? '' : hex(`${salt}:span:${trace * 5}`, 16),
    traceState: '',
    flags: 1,
    name: `op-${i % 7}`,
    kind: (i % 5) + 1,
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(1000 + i),
    statusCode: i % 11 === 0 ? 2 : 0,
    statusMessage: i % 11 === 0 ? 'failed' : '',
    serviceName: `svc-${i % 3}`,
    resourceAttributes: [{ key: 'service.name', value: { type: 'string', value: `svc-${i % 3}` } }],
    scopeName: 'synthetic',
    scopeVersion: '1',
    attributes: [
      { key: 'i', value: { type: 'int', value: BigInt(i) } },
      { key: 'even', value: { type: 'bool', value: i % 2 === 0 } },
    ],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
  };
}
