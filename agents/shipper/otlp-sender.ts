// One OTLP/HTTP JSON export attempt, gzip-compressed, classified for the caller: delivered (with
// the collector's partial-success count), worth retrying (collector down, overloaded, or the key
// refused: the data waits), too large (split it), or refused as malformed (resending cannot help).
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

export type OtlpPath = '/v1/logs' | '/v1/metrics';

export type SendOutcome =
  | { readonly kind: 'ok'; readonly rejected: number; readonly message: string }
  | { readonly kind: 'retry'; readonly reason: string; readonly afterMs?: number }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'rejected'; readonly reason: string };

export interface SenderOptions {
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

const REJECTED_FIELD: Record<OtlpPath, string> = { '/v1/logs': 'rejectedLogRecords', '/v1/metrics': 'rejectedDataPoints' };

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function partialSuccess(path: OtlpPath, text: string): { rejected: number; message: string } {
  try {
    const parsed = JSON.parse(text) as { partialSuccess?: Record<string, unknown> };
    const p = parsed.partialSuccess ?? {};
    const rejected = Number(p[REJECTED_FIELD[path]] ?? 0);
    return { rejected: Number.isFinite(rejected) ? rejected : 0, message: typeof p['errorMessage'] === 'string' ? p['errorMessage'] : '' };
  } catch {
    return { rejected: 0, message: '' };
  }
}

export class OtlpSender {
  constructor(private readonly o: SenderOptions) {}

  async send(path: OtlpPath, json: string): Promise<SendOutcome> {
    const body = await gzipAsync(json);
    let res: Response;
    try {
      res = await fetch(`${this.o.endpoint}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...this.o.headers },
        body,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
    } catch (err) {
      return { kind: 'retry', reason: `${this.o.endpoint}${path}: ${errorText(err)}` };
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return { kind: 'ok', ...partialSuccess(path, text) };
    if (res.status === 413) return { kind: 'too-large' };
    if (res.status === 400) return { kind: 'rejected', reason: text.slice(0, 500) };
    // 401/403 (a key to fix), 429, 5xx and anything else: the data waits until it goes through.
    const hint = res.status === 401 || res.status === 403 ? ' (check CAIRN_API_KEY)' : '';
    const afterMs = retryAfterMs(res.headers.get('retry-after'));
    return { kind: 'retry', reason: `HTTP ${res.status}${hint}: ${text.slice(0, 200)}`, ...(afterMs === undefined ? {} : { afterMs }) };
  }
}
