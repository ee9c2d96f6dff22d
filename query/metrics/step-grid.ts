// The time steps of a metrics answer: [start, end) cut into steps of whole seconds from start;
// the last step may be shorter, and rates over it divide by what it covers.
import type { TimeRange } from './time-params.ts';

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

export interface StepGrid {
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly stepNs: bigint;
  readonly steps: number;
}

export function stepGrid(range: TimeRange, stepSeconds: number): StepGrid {
  const startNs = BigInt(range.startMs) * NS_PER_MS;
  const endNs = BigInt(range.endMs) * NS_PER_MS;
  const stepNs = BigInt(stepSeconds) * NS_PER_S;
  return { startNs, endNs, stepNs, steps: Number((endNs - startNs + stepNs - 1n) / stepNs) };
}

/** The step holding time t, or -1 outside the grid. */
export function stepIndex(g: StepGrid, tNs: bigint): number {
  if (tNs < g.startNs || tNs >= g.endNs) return -1;
  return Number((tNs - g.startNs) / g.stepNs);
}

/** Seconds step i covers (the last one may be cut short by the end). */
export function stepSeconds(g: StepGrid, i: number): number {
  const from = g.startNs + BigInt(i) * g.stepNs;
  const to = from + g.stepNs < g.endNs ? from + g.stepNs : g.endNs;
  return Number(to - from) / 1e9;
}

/** Start of step i, RFC 3339 (millisecond precision). */
export function stepTime(g: StepGrid, i: number): string {
  return new Date(Number((g.startNs + BigInt(i) * g.stepNs) / NS_PER_MS)).toISOString();
}
