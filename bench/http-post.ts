// One OTLP/HTTP protobuf POST over a keep-alive agent (node:http, the cheapest client in CPU per
// request, which matters when the generator shares two cores with what it measures).
import { Agent, request } from 'node:http';

export interface PostResult {
  readonly status: number;
  readonly body: Buffer;
  /** Seconds from Retry-After, when present. */
  readonly retryAfterS: number | undefined;
}

export function keepAliveAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

export function postProtobuf(agent: Agent, port: number, path: string, body: Buffer, timeoutMs: number): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks),
            retryAfterS: retryAfter === undefined ? undefined : Number(retryAfter),
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

function readVarint(buf: Buffer, at: number): [value: number, next: number] {
  let value = 0;
  for (let shift = 0, i = at; i < buf.length && shift < 63; shift += 7, i++) {
    const b = buf[i] ?? 0;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, i + 1];
  }
  throw new Error('truncated varint in OTLP response');
}

/**
 * Rejected items of a 200 answer: Export*ServiceResponse { partial_success = 1 { rejected = 1 } }.
 * An empty body (full success) is 0.
 */
export function rejectedItems(body: Buffer): number {
  for (let at = 0; at < body.length; ) {
    const [tag, afterTag] = readVarint(body, at);
    const [length, start] = readVarint(body, afterTag);
    if (tag === 0x0a) {
      const inner = body.subarray(start, start + length);
      for (let j = 0; j < inner.length; ) {
        const [innerTag, v] = readVarint(inner, j);
        if (innerTag === 0x08) return readVarint(inner, v)[0];
        const [len, s] = readVarint(inner, v);
        j = s + len;
      }
      return 0;
    }
    at = start + length;
  }
  return 0;
}
