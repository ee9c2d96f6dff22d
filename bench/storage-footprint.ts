// Rows and bytes on disk of the run's database, summed over every ClickHouse server (system.parts
// is per server, so each is asked directly). Replicas each hold a copy, so the cluster total is
// twice what one copy costs.
import { createClickHouse } from '../common/clickhouse/client.ts';
import { sql } from '../common/clickhouse/sql.ts';
import type { Logger } from '../common/runtime/logger.ts';

export interface TableFootprint {
  readonly table: string;
  /** Rows over all servers (each replica counted). */
  readonly rows: number;
  readonly bytesOnDisk: number;
  readonly uncompressedBytes: number;
}

interface PartsRow {
  table: string;
  rows: string;
  bytes: string;
  raw: string;
}

export async function storageFootprint(serverUrls: readonly string[], database: string, logger: Logger): Promise<TableFootprint[]> {
  const byTable = new Map<string, { rows: number; bytesOnDisk: number; uncompressedBytes: number }>();
  for (const url of serverUrls) {
    const ch = createClickHouse({
      endpoint: { kind: 'server', url, username: 'default', password: '' },
      requestTimeoutMs: 30_000,
      retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 2000, deadlineMs: 20_000 },
      logger,
    });
    try {
      const rows = await ch.queryRows<PartsRow>(
        sql`SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes, sum(data_uncompressed_bytes) AS raw FROM system.parts WHERE database = ${database} AND active GROUP BY table`,
      );
      for (const r of rows) {
        const t = byTable.get(r.table) ?? { rows: 0, bytesOnDisk: 0, uncompressedBytes: 0 };
        t.rows += Number(r.rows);
        t.bytesOnDisk += Number(r.bytes);
        t.uncompressedBytes += Number(r.raw);
        byTable.set(r.table, t);
      }
    } finally {
      await ch.close();
    }
  }
  return [...byTable].map(([table, t]) => ({ table, ...t })).sort((a, b) => a.table.localeCompare(b.table));
}
