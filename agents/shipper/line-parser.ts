// Turns one line of a log file into an OTLP/JSON log record. Two formats:
// - json: one object per line (pino, bunyan, winston's JSON, most structured loggers). Time,
//   level, message and trace context come from their usual field names; every other field becomes
//   an attribute. A line that is not a JSON object is kept as a plain-text body.
// - text: a regular expression with named groups `time`, `level` and `message` (each optional);
//   a line it does not match is kept whole as the body.
// Nothing is dropped for being unparseable: the record then carries the raw line.

export type LineFormat = { readonly kind: 'json' } | { readonly kind: 'text'; readonly pattern: RegExp };

type JsonAnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

export interface OtlpLogRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body: JsonAnyValue;
  attributes: { key: string; value: JsonAnyValue }[];
  traceId?: string;
  spanId?: string;
}

const TIME_FIELDS = ['time', 'timestamp', 'ts', '@timestamp'];
const LEVEL_FIELDS = ['level', 'severity', 'lvl', 'levelname'];
const MESSAGE_FIELDS = ['msg', 'message', 'body'];
const TRACE_FIELDS = ['trace_id', 'traceId', 'traceid'];
const SPAN_FIELDS = ['span_id', 'spanId', 'spanid'];

// OTLP severity numbers: the first of each level's four.
const LEVELS: Readonly<Record<string, number>> = { trace: 1, debug: 5, info: 9, notice: 10, warn: 13, warning: 13, error: 17, err: 17, fatal: 21, critical: 21, crit: 21 };
// pino's numeric levels.
const PINO_LEVELS: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

function severity(raw: unknown): { number: number; text: string } {
  if (typeof raw === 'number') {
    const name = PINO_LEVELS[raw];
    return name === undefined ? { number: 0, text: String(raw) } : { number: LEVELS[name] ?? 0, text: name.toUpperCase() };
  }
  if (typeof raw !== 'string' || raw === '') return { number: 0, text: '' };
  return { number: LEVELS[raw.toLowerCase()] ?? 0, text: raw.toUpperCase() };
}

/** Nanoseconds since the epoch from epoch seconds/ms/ns or a date string; undefined if unreadable. */
function timeNanos(raw: unknown): bigint | undefined {
  if (typeof raw === 'number' && Number.isFinite(raw) && raw > 0) {
    if (raw < 1e11) return BigInt(Math.round(raw * 1000)) * 1_000_000n; // seconds
    if (raw < 1e14) return BigInt(Math.round(raw)) * 1_000_000n; // milliseconds
    if (raw < 1e17) return BigInt(Math.round(raw)) * 1_000n; // microseconds
    return BigInt(Math.round(raw));
  }
  if (typeof raw === 'string' && raw !== '') {
    if (/^\d+(\.\d+)?$/.test(raw)) return timeNanos(Number(raw));
    const ms = Date.parse(raw);
    if (!Number.isNaN(ms)) return BigInt(ms) * 1_000_000n;
  }
  return undefined;
}

function anyValue(v: unknown): JsonAnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { stringValue: JSON.stringify(v) };
}

function pick(obj: Record<string, unknown>, names: readonly string[]): { name: string; value: unknown } | undefined {
  for (const name of names) if (name in obj) return { name, value: obj[name] };
  return undefined;
}

function hexId(v: unknown, length: number): string | undefined {
  return typeof v === 'string' && v.length === length && /^[0-9a-f]+$/i.test(v) ? v.toLowerCase() : undefined;
}

function fromJson(obj: Record<string, unknown>, observed: bigint): OtlpLogRecord {
  const used = new Set<string>();
  const take = (names: readonly string[]): unknown => {
    const hit = pick(obj, names);
    if (hit === undefined) return undefined;
    used.add(hit.name);
    return hit.value;
  };
  const time = timeNanos(take(TIME_FIELDS)) ?? observed;
  const sev = severity(take(LEVEL_FIELDS));
  const message = take(MESSAGE_FIELDS);
  const traceId = hexId(take(TRACE_FIELDS), 32);
  const spanId = hexId(take(SPAN_FIELDS), 16);
  const attributes = Object.entries(obj)
    .filter(([k]) => !used.has(k))
    .map(([key, value]) => ({ key, value: anyValue(value) }));
  return {
    timeUnixNano: time.toString(),
    observedTimeUnixNano: observed.toString(),
    severityNumber: sev.number,
    severityText: sev.text,
    body: message === undefined ? { stringValue: '' } : anyValue(message),
    attributes,
    ...(traceId === undefined ? {} : { traceId }),
    ...(spanId === undefined ? {} : { spanId }),
  };
}

function plain(line: string, observed: bigint): OtlpLogRecord {
  return { timeUnixNano: observed.toString(), observedTimeUnixNano: observed.toString(), severityNumber: 0, severityText: '', body: { stringValue: line }, attributes: [] };
}

export function parseLine(line: string, format: LineFormat, observed: bigint): OtlpLogRecord {
  if (format.kind === 'json') {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) return plain(line, observed);
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return fromJson(parsed as Record<string, unknown>, observed);
    } catch {
      // Not JSON after all: kept as text below.
    }
    return plain(line, observed);
  }
  const m = format.pattern.exec(line);
  const groups = m?.groups;
  if (groups === undefined) return plain(line, observed);
  const sev = severity(groups['level']);
  return {
    timeUnixNano: (timeNanos(groups['time']) ?? observed).toString(),
    observedTimeUnixNano: observed.toString(),
    severityNumber: sev.number,
    severityText: sev.text,
    body: { stringValue: groups['message'] ?? line },
    attributes: [],
  };
}
