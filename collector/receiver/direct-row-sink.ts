// The embedded mode's sink: rows go straight into their tables, and the client is acknowledged
// after the inserts returned (there is no Kafka to buffer them).
import { identifier, qualified } from '../../common/clickhouse/sql.ts';
import type { SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import { rowsByTable } from '../signals/rows-by-table.ts';
import type { KafkaRow, Signal } from '../signals/signal.ts';
import { HttpError } from '../../common/runtime/http-error.ts';
import type { RowSink } from './row-sink.ts';

export class DirectRowSink implements RowSink {
  constructor(
    private readonly clickhouse: SqlRunner,
    private readonly target: StorageTarget,
    private readonly schemaStatus: () => string,
  ) {}

  async publish(signal: Signal, rows: readonly KafkaRow[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.schemaStatus() !== '') throw new HttpError(503, 'storage is starting, retry later', 1);
    try {
      for (const [table, lines] of rowsByTable(signal, rows.map((r) => ({ format: r.format, line: r.value })))) {
        const name = qualified(this.target.database, identifier(table.name, [table.name]));
        await this.clickhouse.insertJsonEachRow(name, lines.join('\n') + '\n');
      }
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(503, 'storage insert failed, retry later', 5, { cause: err });
    }
  }
}
