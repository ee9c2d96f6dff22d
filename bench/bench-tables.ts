// The tables the benchmark reads, as vetted identifiers of the run's database.
import { databaseIdentifier, identifier, qualified } from '../common/clickhouse/sql.ts';
import type { SqlFragment } from '../common/clickhouse/sql.ts';
import type { BenchSignal } from './bodies.ts';

const TABLES = ['spans', 'logs'] as const;

export function signalTable(database: string, signal: BenchSignal): SqlFragment {
  return qualified(databaseIdentifier(database), identifier(signal === 'traces' ? 'spans' : 'logs', TABLES));
}
