// The embedded mode's sink: spans go straight into the spans table, and the client is
// acknowledged after the insert returned (there is no Kafka to buffer them).
import { encodeSpanRow } from '../../common/clickhouse/span-row.ts';
import { identifier, qualified } from '../../common/clickhouse/sql.ts';
import type { SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { SpanRecord } from '../../common/model/span.ts';
import { HttpError } from './http-error.ts';
import type { SpanSink } from './span-sink.ts';

export class DirectSpanSink implements SpanSink {
  private readonly table;

  constructor(
    private readonly clickhouse: SqlRunner,
    target: StorageTarget,
    private readonly schemaStatus: () => string,
  ) {
    this.table = qualified(target.database, identifier('spans', ['spans']));
  }

  async publish(spans: readonly SpanRecord[]): Promise<void> {
    if (spans.length === 0) return;
    if (this.schemaStatus() !== '') throw new HttpError(503, 'storage is starting, retry later', 1);
    const body = spans.map(encodeSpanRow).join('\n') + '\n';
    try {
      await this.clickhouse.insertJsonEachRow(this.table, body);
    } catch (err) {
      throw new HttpError(503, 'storage insert failed, retry later', 5, { cause: err });
    }
  }
}
