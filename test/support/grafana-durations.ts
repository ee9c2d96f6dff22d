// Durations the way Grafana's Go backends print and parse them: gtime.FormatInterval (the
// $__interval text), time.Duration.String() (the $__rate_interval text) and interval strings
// such as "1m" or "1h30m" (a panel's min interval, an alert's `for`).

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** "15s", "1m", "1h30m", "500ms" -> milliseconds; throws on anything else. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`not a duration: "${text}"`);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * (UNIT_MS[unit ?? ''] ?? NaN), 0);
}

/** gtime.FormatInterval: the largest unit that fits, truncated ("90s" -> "1m"). */
export function formatInterval(ms: number): string {
  for (const unit of ['y', 'd', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit] ?? 1;
    if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  }
  return '1ms';
}

/** Go's time.Duration.String() for whole milliseconds: "1m0s", "1h2m3s", "1.5s", "250ms". */
export function goDurationString(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = String((ms % 60_000) / 1000);
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
