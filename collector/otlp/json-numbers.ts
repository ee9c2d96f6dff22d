// Numbers in OTLP/JSON: 64-bit integers arrive as decimal strings (as the mapping requires) or as
// JSON numbers; int32/enum fields as numbers. Strings are parsed straight into bigint, never via
// a float. A bare JSON number beyond 2^53 has already been rounded by JSON.parse, so meeting one
// throws InexactJsonNumber and the decoder re-parses the body with such literals quoted.

/** Not a span error: tells the JSON decoder to re-parse the body with long number literals quoted. */
export class InexactJsonNumber extends Error {
  override readonly name = 'InexactJsonNumber';
}

const MAX_UINT64 = (1n << 64n) - 1n;
const MIN_INT64 = -(1n << 63n);
const MAX_INT64 = (1n << 63n) - 1n;
const MAX_UINT32 = 0xffffffff;

/** Decimal digits with an optional leading '-', nothing else: BigInt() alone would take hex and blanks. */
function isDecimalInteger(text: string, signed: boolean): boolean {
  const start = signed && text.charCodeAt(0) === 45 ? 1 : 0;
  if (text.length === start || text.length - start > 20) return false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function parseInteger(value: unknown, signed: boolean, min: bigint, max: bigint): bigint | undefined {
  let result: bigint;
  if (typeof value === 'string') {
    if (!isDecimalInteger(value, signed)) return undefined;
    result = BigInt(value);
  } else if (typeof value === 'number') {
    if (!Number.isInteger(value)) return undefined;
    if (!Number.isSafeInteger(value)) throw new InexactJsonNumber();
    result = BigInt(value);
  } else {
    return undefined;
  }
  return result < min || result > max ? undefined : result;
}

/** undefined when `value` is not a valid uint64. */
export function parseUint64(value: unknown): bigint | undefined {
  return parseInteger(value, false, 0n, MAX_UINT64);
}

/** undefined when `value` is not a valid int64. */
export function parseInt64(value: unknown): bigint | undefined {
  return parseInteger(value, true, MIN_INT64, MAX_INT64);
}

/** undefined when `value` is not a valid uint32. */
export function parseUint32(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= MAX_UINT32 ? value : undefined;
  if (typeof value === 'string' && value.length <= 10 && isDecimalInteger(value, false)) {
    const n = Number(value);
    return n <= MAX_UINT32 ? n : undefined;
  }
  return undefined;
}

/**
 * Enums are integers in OTLP/JSON; names are accepted too, as protobuf JSON parsers do. The range
 * is left to the span rules so the rejection message names the allowed values.
 */
export function parseEnum(value: unknown, names: ReadonlyMap<string, number>): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'string') return names.get(value) ?? parseUint32(value);
  return undefined;
}

/** Proto3 JSON doubles: a number, or a string for NaN/Infinity/-Infinity or a decimal. */
export function parseDouble(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  const n = value.trim() === value && value !== '' ? Number(value) : NaN;
  return Number.isNaN(n) ? undefined : n;
}

const QUOTE = 34;
const BACKSLASH = 92;
const MINUS = 45;

function isNumberChar(c: number): boolean {
  // digits . + - e E
  return (c >= 48 && c <= 57) || c === 46 || c === 43 || c === MINUS || c === 101 || c === 69;
}

/**
 * Rewrites already-valid JSON so every number literal that a double may not hold exactly (16+
 * characters, or an exponent) becomes a string, which the parsers above read exactly.
 */
export function quoteLongNumbers(text: string): string {
  const parts: string[] = [];
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i++;
      while (i < text.length) {
        const d = text.charCodeAt(i);
        i += d === BACKSLASH ? 2 : 1;
        if (d === QUOTE) break;
      }
    } else if (c === MINUS || (c >= 48 && c <= 57)) {
      const start = i;
      let exponent = false;
      while (i < text.length && isNumberChar(text.charCodeAt(i))) {
        const d = text.charCodeAt(i);
        if (d === 101 || d === 69) exponent = true;
        i++;
      }
      if (i - start >= 16 || exponent) {
        parts.push(text.slice(copied, start), '"', text.slice(start, i), '"');
        copied = i;
      }
    } else {
      i++;
    }
  }
  if (copied === 0) return text;
  parts.push(text.slice(copied));
  return parts.join('');
}
