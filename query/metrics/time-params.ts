// Start, end and step of the time-range routes (metrics, RED, service graph, correlation): one
// reader so every route accepts the same spellings and refuses a bad value naming its field.
import { ApiError } from '../errors.ts';

/** Range read when a request gives neither start nor end: the last hour. */
export const DEFAULT_RANGE_MS = 3_600_000;
/** Longest range one request may cover; a longer one is refused rather than scanned. */
export const MAX_RANGE_MS = 32 * 86_400_000;

const UNIX_SECONDS = /^\d{1,11}(\.\d{1,9})?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
const DURATION = /^(\d{1,9}(?:\.\d{1,9})?)(ms|s|m|h|d)?$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };

/** Half-open [startMs, endMs). */
export interface TimeRange {
  readonly startMs: number;
  readonly endMs: number;
}

export const TIME_FORMAT_HELP = 'RFC 3339 (2025-11-22T10:00:00Z) or Unix seconds (1763805600)';
export const DURATION_FORMAT_HELP = 'seconds (60) or a number with a unit: ms, s, m, h, d (5m)';

/** A point in time as epoch milliseconds. */
export function parseTime(text: string, field: string): number {
  const ms = UNIX_SECONDS.test(text) ? Math.round(Number(text) * 1000) : RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) throw new ApiError('INVALID_ARGUMENT', `${field} must be ${TIME_FORMAT_HELP}, got "${text}"`, field);
  return ms;
}

/** A positive duration in seconds. */
export function parseDuration(text: string, field: string): number {
  const m = DURATION.exec(text);
  const seconds = m === null ? Number.NaN : Number(m[1]) * (UNIT_SECONDS[m[2] ?? 's'] ?? Number.NaN);
  if (!(seconds > 0)) throw new ApiError('INVALID_ARGUMENT', `${field} must be a positive duration: ${DURATION_FORMAT_HELP}, got "${text}"`, field);
  return seconds;
}

/** start and end from a query string; end defaults to now, start to DEFAULT_RANGE_MS before end. */
export function readRange(q: { readonly start?: string | undefined; readonly end?: string | undefined }, nowMs: number): TimeRange {
  const endMs = q.end === undefined ? nowMs : parseTime(q.end, 'end');
  const startMs = q.start === undefined ? endMs - DEFAULT_RANGE_MS : parseTime(q.start, 'start');
  if (startMs >= endMs) throw new ApiError('INVALID_ARGUMENT', 'start must be before end', 'start');
  if (endMs - startMs > MAX_RANGE_MS) {
    throw new ApiError('INVALID_ARGUMENT', `start to end spans more than ${MAX_RANGE_MS / 86_400_000} days; narrow the range`, 'start');
  }
  return { startMs, endMs };
}

/** The range widened to whole multiples of `unitSeconds` (rollups answer whole minutes). */
export function alignRange(range: TimeRange, unitSeconds: number): TimeRange {
  const unit = unitSeconds * 1000;
  return { startMs: Math.floor(range.startMs / unit) * unit, endMs: Math.ceil(range.endMs / unit) * unit };
}

export interface StepRules {
  /** Steps must be whole multiples of this (60 for the minutely rollups). */
  readonly multipleOfSeconds: number;
  /** Most steps one answer may have. */
  readonly maxSteps: number;
  /** Steps the range is cut into when the request names no step. */
  readonly defaultSteps: number;
}

/** The step in whole seconds: as given, or the range over `defaultSteps` rounded up to the multiple. */
export function readStep(text: string | undefined, range: TimeRange, rules: StepRules): number {
  const rangeSeconds = (range.endMs - range.startMs) / 1000;
  const unit = rules.multipleOfSeconds;
  if (text === undefined) return Math.max(unit, Math.ceil(rangeSeconds / rules.defaultSteps / unit) * unit);
  const step = parseDuration(text, 'step');
  if (!Number.isInteger(step) || step % unit !== 0) {
    throw new ApiError('INVALID_ARGUMENT', `step must be a whole multiple of ${unit} s, got ${step} s`, 'step');
  }
  if (Math.ceil(rangeSeconds / step) > rules.maxSteps) {
    throw new ApiError('INVALID_ARGUMENT', `step ${step} s cuts the range into more than ${rules.maxSteps} steps; use a larger step`, 'step');
  }
  return step;
}
