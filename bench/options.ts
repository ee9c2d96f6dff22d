// Command-line flags of `npm run bench`, validated up front so a typo fails before the stack is touched.
import { parseArgs } from 'node:util';
import type { BenchSignal } from './bodies.ts';

/** A flag the bench does not know, or a value it cannot use: printed with the usage, no stack. */
export class BenchUsageError extends Error {}

export interface BenchOptions {
  /** --help: print the usage and do nothing else. */
  readonly help: boolean;
  readonly durationS: number;
  readonly signals: readonly BenchSignal[];
  /** Target items/s over all signals; undefined = as fast as acknowledgements allow. */
  readonly rate: number | undefined;
  /** Requests in flight per signal. */
  readonly concurrency: number;
  readonly itemsPerRequest: number;
  readonly profile: boolean;
  /** ingest: OTLP load; query: query latency over a loaded dataset; all: both, in that order. */
  readonly suite: 'ingest' | 'query' | 'all';
  readonly query: { readonly spans: number; readonly logs: number; readonly requests: number; readonly reload: boolean };
}

export const USAGE =
  'usage: npm run bench -- [--help] [--suite ingest|query|all] [--duration <s>] [--signal traces|logs|all] [--rate <items/s>] [--concurrency <n>] [--batch <items>] [--profile] [--dataset-spans <n>] [--dataset-logs <n>] [--requests <n>] [--reload]';

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new BenchUsageError(`--${name} must be a positive number, got "${value}"\n${USAGE}`);
  return n;
}

type Flags = ReturnType<typeof parseFlags>['values'];

function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      duration: { type: 'string' },
      signal: { type: 'string' },
      rate: { type: 'string' },
      concurrency: { type: 'string' },
      batch: { type: 'string' },
      profile: { type: 'boolean', default: false },
      suite: { type: 'string' },
      'dataset-spans': { type: 'string' },
      'dataset-logs': { type: 'string' },
      requests: { type: 'string' },
      reload: { type: 'boolean', default: false },
    },
    strict: true,
  });
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  let values: Flags;
  try {
    ({ values } = parseFlags(argv));
  } catch (err) {
    // node:util parseArgs: an unknown flag, or a missing value.
    throw new BenchUsageError(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  const suite = values.suite ?? 'all';
  if (suite !== 'ingest' && suite !== 'query' && suite !== 'all') throw new BenchUsageError(`--suite must be ingest, query or all (got "${suite}")\n${USAGE}`);
  const signal = values.signal ?? 'all';
  if (signal !== 'traces' && signal !== 'logs' && signal !== 'all') throw new BenchUsageError(`--signal must be traces, logs or all (got "${signal}")\n${USAGE}`);
  return {
    help: values.help,
    durationS: positive('duration', values.duration, 300),
    signals: signal === 'all' ? ['traces', 'logs'] : [signal],
    rate: values.rate === undefined ? undefined : positive('rate', values.rate, 0),
    concurrency: Math.floor(positive('concurrency', values.concurrency, 8)),
    itemsPerRequest: Math.floor(positive('batch', values.batch, 500)),
    profile: values.profile,
    suite,
    query: {
      spans: Math.floor(positive('dataset-spans', values['dataset-spans'], 10_000_000)),
      logs: Math.floor(positive('dataset-logs', values['dataset-logs'], 10_000_000)),
      requests: Math.floor(positive('requests', values.requests, 50)),
      reload: values.reload,
    },
  };
}
