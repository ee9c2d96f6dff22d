// The logs table on both dialects: created from logsTable on the embedded current engine (chdb,
// single node) and on the local ClickHouse 18.16 cluster (replicated + Distributed), encoded
// logs.v1 rows inserted as JSONEachRow, and every record read back exactly as written.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { describe, it } from 'node:test';
import { createClickHouse, defaultClickHouseRetry } from '../../common/clickhouse/client.ts';
import type { ClickHouseEndpoint } from '../../common/clickhouse/client.ts';
import { createDatabase, createTable, dropDatabase } from '../../common/clickhouse/ddl.ts';
import { decodeLogRow, encodeLogRow, LOG_ROW_COLUMNS } from '../../common/clickhouse/log-row.ts';
import type { LogRow } from '../../common/clickhouse/log-row.ts';
import type { Settings, SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { identifier, join, qualified, sql } from '../../common/clickhouse/sql.ts';
import { logsTable } from '../../common/clickhouse/tables/logs.ts';
import { storageTarget } from '../../common/clickhouse/topology.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { LogRecord } from '../../common/model/log.ts';
import type { AttributeValue } from '../../common/model/span.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { stackEndpoints, uniqueName } from './support/stack-env.ts';

const RECORDS = 40;
const DDL_TIMEOUT_MS = 120_000;
const BASE_TIME = 1_763_800_000_000_000_000n;

/** One body of every AnyValue type, nesting and hard-to-carry text included. */
const BODIES: readonly AttributeValue[] = [
  { type: 'string', value: `quote ' double " backslash \\ nul \0 newline \n tab \t é 😀 \u2028` },
  { type: 'empty' },
  { type: 'bool', value: false },
  { type: 'int', value: -(2n ** 63n) },
  { type: 'double', value: Number.NaN },
  { type: 'double', value: 0.1 },
  { type: 'bytes', value: new Uint8Array([0, 39, 92, 255]) },
  { type: 'array', value: [{ type: 'string', value: 'a' }, { type: 'array', value: [{ type: 'double', value: Number.POSITIVE_INFINITY }] }] },
  { type: 'kvlist', value: [{ key: "k'ey\\", value: { type: 'kvlist', value: [{ key: 'x', value: { type: 'int', value: 7n } }] } }] },
];

function records(): LogRecord[] {
  return Array.from({ length: RECORDS }, (_, i): LogRecord => {
    const service = ['checkout', 'billing', 'unknown_service'][i % 3] ?? 'checkout';
    const traced = i % 4 !== 0;
    return {
      tenant: i % 5 === 0 ? 'tenant-b' : 'tenant-a',
      // Distinct times, spread over two hours and two days' worth of partitions.
      timeUnixNano: BASE_TIME + BigInt(i) * 3_000_000_000_000n + BigInt(i),
      observedTimeUnixNano: i === 7 ? 2n ** 64n - 1n : i % 6 === 0 ? 0n : BASE_TIME + BigInt(i) * 3_000_000_000_000n + 500n,
      severityNumber: i % 25,
      severityText: i % 2 === 0 ? 'INFO' : '',
      body: BODIES[i % BODIES.length] ?? { type: 'empty' },
      attributes:
        i % 3 === 0
          ? []
          : [
              { key: 'http.route', value: { type: 'string', value: `/r/${i}` } },
              { key: 'retry', value: { type: 'int', value: BigInt(i) } },
              { key: 'raw', value: { type: 'bytes', value: new Uint8Array([i, 255 - i]) } },
            ],
      droppedAttributesCount: i % 2,
      flags: traced ? 1 : 0,
      traceId: traced ? (i + 1).toString(16).padStart(32, 'a') : '',
      spanId: traced ? (i + 1).toString(16).padStart(16, 'b') : '',
      eventName: i % 7 === 0 ? 'app.event' : '',
      serviceName: service,
      resourceAttributes: service === 'unknown_service' ? [] : [{ key: 'service.name', value: { type: 'string', value: service } }],
      scopeName: 'logger',
      scopeVersion: i % 2 === 0 ? '1.0.0' : '',
    };
  });
}

/** Creates the logs table, inserts the records and reads every one back. */
async function exercise(ch: SqlRunner, target: StorageTarget, insertSettings: Settings): Promise<void> {
  await ch.command(createDatabase(target), { timeoutMs: DDL_TIMEOUT_MS });
  for (const statement of createTable(logsTable, target)) await ch.command(statement, { timeoutMs: DDL_TIMEOUT_MS });

  const written = records();
  const table = qualified(target.database, identifier(logsTable.name, [logsTable.name]));
  const body = written.map(encodeLogRow).join('\n') + '\n';
  await ch.insertJsonEachRow(table, body, { settings: insertSettings, timeoutMs: DDL_TIMEOUT_MS });

  const columns = join(LOG_ROW_COLUMNS.map((c) => sql`${identifier(c, LOG_ROW_COLUMNS)}`), ', ');
  const orderBy = identifier('time_unix_nano', LOG_ROW_COLUMNS);
  const rows = await ch.queryRows<LogRow>(sql`SELECT ${columns} FROM ${table} ORDER BY ${orderBy}`, { timeoutMs: 30_000 });
  assert.equal(rows.length, RECORDS);
  assert.deepEqual(rows.map(decodeLogRow), written);

  // The derived timestamp column is what partitions and sorts: whole seconds of the record time.
  const first = written[0];
  assert.ok(first !== undefined);
  const tableColumns = logsTable.columns.map((c) => c.name);
  const tenant = identifier('tenant', tableColumns);
  const timestamp = identifier('timestamp', tableColumns);
  const counted = await ch.queryRows<{ n: string }>(
    sql`SELECT count() AS n FROM ${table} WHERE ${tenant} = ${'tenant-b'} AND ${timestamp} = toDateTime(${Number(first.timeUnixNano / 1_000_000_000n)})`,
    { timeoutMs: 30_000 },
  );
  assert.equal(Number(counted[0]?.n), 1);
}

function runner(endpoint: ClickHouseEndpoint): SqlRunner {
  return createClickHouse({ endpoint, requestTimeoutMs: 30_000, retry: defaultClickHouseRetry, logger: createLogger('silent', 't') });
}

void describe('logs table on both dialects', () => {
  void it('embedded engine (chdb, single node): create, insert, read every record back', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'cairn-logs-'));
    const ch = runner({ kind: 'embedded', path: dir });
    try {
      await exercise(ch, storageTarget('cairn_logs', null), {});
    } finally {
      await ch.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('ClickHouse 18.16 cluster (replicated, Distributed): the same steps, same results', async () => {
    const endpoints = stackEndpoints();
    const ch = runner({ kind: 'server', url: endpoints.clickhouseHttp[0] ?? '', username: 'default', password: '' });
    const target = storageTarget(uniqueName('logs'), endpoints.clickhouseCluster);
    try {
      await exercise(ch, target, { insert_distributed_sync: 1, insert_quorum: 2 });
    } finally {
      await ch.command(dropDatabase(target), { timeoutMs: DDL_TIMEOUT_MS });
      await ch.close();
    }
  });
});
