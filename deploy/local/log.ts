// Progress output of the stack commands: one `[stack] …` line per step, on stdout.
import { relative } from 'node:path';
import { REPO_ROOT } from './paths.ts';

export function say(message: string): void {
  console.log(`[stack] ${message}`);
}

/** Seconds since `startedAt` (a `performance.now()` value), for "healthy in 2.1s". */
export function secondsSince(startedAt: number): string {
  return `${((performance.now() - startedAt) / 1000).toFixed(1)}s`;
}

/** Paths relative to the repo root read better in messages; absolute when outside it. */
export function shortPath(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel.startsWith('..') ? path : rel;
}
