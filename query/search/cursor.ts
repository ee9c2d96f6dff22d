// Opaque pagination cursors: base64url JSON that carries where the previous page ended, the time
// range of the first page (so later pages read the same window even when `end` defaulted to now)
// and a fingerprint of the search, so a cursor is refused when the filters or sort changed.
import { createHash } from 'node:crypto';
import { ApiError } from '../errors.ts';

const VERSION = 1;

export interface CursorWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

/** A short digest of what defines a search (filters, text query, sort), order-sensitive. */
export function searchFingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

export function encodeCursor(fingerprint: string, window: CursorWindow, position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify({ v: VERSION, f: fingerprint, w: [window.fromMs, window.toMs], p: position })).toString('base64url');
}

export interface DecodedCursor {
  readonly window: CursorWindow;
  readonly position: Readonly<Record<string, unknown>>;
}

function invalid(param: string, why: string): never {
  throw new ApiError('INVALID_ARGUMENT', `${param} is not valid: ${why}; use the nextCursor of a previous response of the same search`, param);
}

export function decodeCursor(text: string, fingerprint: string, param = 'cursor'): DecodedCursor {
  if (text.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(text)) invalid(param, 'not a cursor');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    invalid(param, 'not a cursor');
  }
  if (typeof parsed !== 'object' || parsed === null) invalid(param, 'not a cursor');
  const c = parsed as { v?: unknown; f?: unknown; w?: unknown; p?: unknown };
  if (c.v !== VERSION || typeof c.f !== 'string' || typeof c.p !== 'object' || c.p === null || !Array.isArray(c.w)) invalid(param, 'not a cursor');
  if (c.f !== fingerprint) invalid(param, 'it belongs to a search with other filters or another sort');
  const [fromMs, toMs] = c.w as unknown[];
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs)) invalid(param, 'bad time range');
  return { window: { fromMs: fromMs as number, toMs: toMs as number }, position: c.p as Record<string, unknown> };
}

/** A decimal unsigned 64-bit integer from a cursor position. */
export function positionUInt64(position: Readonly<Record<string, unknown>>, key: string, param = 'cursor'): bigint {
  const v = position[key];
  if (typeof v !== 'string' || !/^\d{1,20}$/.test(v) || BigInt(v) >= 2n ** 64n) invalid(param, `bad ${key}`);
  return BigInt(v);
}

export function positionText(position: Readonly<Record<string, unknown>>, key: string, pattern: RegExp, param = 'cursor'): string {
  const v = position[key];
  if (typeof v !== 'string' || !pattern.test(v)) invalid(param, `bad ${key}`);
  return v;
}

/** A small non-negative count from a cursor position. */
export function positionCount(position: Readonly<Record<string, unknown>>, key: string, param = 'cursor'): number {
  const v = position[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > 1_000_000) invalid(param, `bad ${key}`);
  return v;
}
