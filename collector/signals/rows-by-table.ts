// Groups a batch's rows by destination table, in a fixed table order and keeping row order
// within a table, so the same rows always make the same inserts (ClickHouse deduplicates
// retried inserts by their bytes).
import type { InsertTable } from '../../common/clickhouse/tables/table-def.ts';
import type { Signal } from './signal.ts';

export class UnknownRowFormatError extends Error {}

export function rowsByTable(signal: Signal, rows: ReadonlyArray<{ readonly format: string; readonly line: string }>): Array<[InsertTable, string[]]> {
  const groups = new Map<InsertTable, string[]>();
  for (const row of rows) {
    const table = signal.tables.get(row.format);
    if (table === undefined) throw new UnknownRowFormatError(`row format ${row.format} is not one of the ${signal.name} signal's`);
    let lines = groups.get(table);
    if (lines === undefined) {
      lines = [];
      groups.set(table, lines);
    }
    lines.push(row.line);
  }
  return [...groups].sort(([a], [b]) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
