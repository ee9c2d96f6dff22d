// JSON renderings of ClickHouse column values for pre-encoded JSONEachRow lines, deterministic so
// a retried batch is byte-identical. Checked against ClickHouse 18.16 and the current engine:
// - UInt64/Int64 as bare digits (both read them exactly);
// - Float64 as JavaScript's shortest round-trip text, with -0 kept as "-0", and NaN/±Infinity
//   as the quoted strings "nan", "inf", "-inf" (both engines accept these; bare nan is refused by
//   18.16, and JSON has no literal for them).
// 18.16 parses decimal floats approximately: values needing 16-17 significant digits or large
// exponents can land one ULP off, and subnormals below about 1e-320 read as 0. The current engine
// reads every value exactly.

export const str = (v: string): string => JSON.stringify(v);
export const strs = (v: readonly string[]): string => JSON.stringify(v);
export const ints = (v: readonly (number | bigint)[]): string => `[${v.map((x) => x.toString()).join(',')}]`;

export function float(v: number): string {
  if (Number.isNaN(v)) return '"nan"';
  if (v === Number.POSITIVE_INFINITY) return '"inf"';
  if (v === Number.NEGATIVE_INFINITY) return '"-inf"';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

export const floats = (v: readonly number[]): string => `[${v.map(float).join(',')}]`;

export const bool = (v: boolean): string => (v ? '1' : '0');

const NANOS_PER_SECOND = 1_000_000_000n;

/** DateTime column value (whole seconds) of a nanosecond timestamp. */
export const seconds = (unixNano: bigint): string => (unixNano / NANOS_PER_SECOND).toString();
