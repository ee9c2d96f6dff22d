// The state searches carry between requests and polls, without a server: live-tail bookkeeping
// (each line sent once, late lines within the window still sent, identical lines each sent, the
// per-poll cap reported) against a fake reader that answers like the logs table, and pagination
// cursors (round trip, refusal of foreign or forged cursors).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogRow } from '../../common/clickhouse/log-row.ts';
import type { QueryResult } from '../../common/clickhouse/sql-runner.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { sql } from '../../common/clickhouse/sql.ts';
import { storageTarget } from '../../common/clickhouse/topology.ts';
import { ApiError } from '../../query/errors.ts';
import { decodeCursor, encodeCursor, positionCount, positionText, positionUInt64, searchFingerprint } from '../../query/search/cursor.ts';
import { LogTail, TAIL_LATE_MS } from '../../query/search/log-tail.ts';
import { StorageWork } from '../../query/storage/storage-work.ts';

type Stored = LogRow & { row_hash: string };

function row(timeMs: number, hash: number, body: string): Stored {
  return {
    tenant: 't',
    time_unix_nano: (BigInt(timeMs) * 1_000_000n).toString(),
    observed_time_unix_nano: '0',
    severity_number: 9,
    severity_text: '',
    body,
    body_type: 1,
    attr_keys: [],
    attr_types: [],
    attr_values: [],
    dropped_attributes_count: 0,
    flags: 0,
    trace_id: '',
    span_id: '',
    event_name: '',
    service_name: 's',
    resource_attr_keys: [],
    resource_attr_types: [],
    resource_attr_values: [],
    scope_name: '',
    scope_version: '',
    row_hash: String(hash),
  };
}

/** Answers the tail's query like the table would: rows at or after its time bound, newest first, limited. */
function fakeReader(table: Stored[]): StorageWork {
  const ch = {
    queryWithStats<T>(statement: SqlFragment): Promise<QueryResult<T>> {
      const low = BigInt(/`time_unix_nano` >= (\d+)/.exec(statement.text)?.[1] ?? '0');
      const limit = Number(/LIMIT (\d+)$/.exec(statement.text)?.[1] ?? '0');
      const rows = table
        .filter((r) => BigInt(r.time_unix_nano) >= low)
        .sort((a, b) => Number(BigInt(b.time_unix_nano) - BigInt(a.time_unix_nano)) || Number(b.row_hash) - Number(a.row_hash))
        .slice(0, limit);
      return Promise.resolve({ rows: rows as T[], columns: [], stats: { rowsRead: table.length, bytesRead: 0, elapsedMs: 0 } });
    },
  };
  return new StorageWork(ch, new AbortController().signal, 30_000);
}

const bodies = (lines: ReadonlyArray<{ body: unknown }>): unknown[] => lines.map((l) => (l.body as { stringValue: string }).stringValue);
const target = storageTarget('cairn', null);

void describe('live tail state', () => {
  void it('sends each stored line once, oldest first, late lines included while in the window', async () => {
    const t0 = 1_800_000_000_000;
    const table = [row(t0 - 5000, 1, 'before'), row(t0 - 60_000, 2, 'too old')];
    const tail = new LogTail(target, 't', sql`1`, t0 - TAIL_LATE_MS);
    const reader = fakeReader(table);
    assert.deepEqual(bodies((await tail.poll(reader, t0)).lines), ['before']);
    assert.deepEqual(bodies((await tail.poll(reader, t0 + 1000)).lines), []);
    table.push(row(t0 + 500, 3, 'new'), row(t0 + 500, 3, 'new'), row(t0 + 400, 9, 'other'));
    // Stored late, 20 s after its own time: still inside the window, so still sent.
    table.push(row(t0 - 19_000, 4, 'late'));
    assert.deepEqual(bodies((await tail.poll(reader, t0 + 2000)).lines), ['late', 'other', 'new', 'new']);
    assert.deepEqual(bodies((await tail.poll(reader, t0 + 3000)).lines), []);
    // A third identical copy arrives: only it is sent.
    table.push(row(t0 + 500, 3, 'new'));
    assert.deepEqual(bodies((await tail.poll(reader, t0 + 4000)).lines), ['new']);
    // Far later: the window has moved past everything, nothing comes back.
    assert.deepEqual(bodies((await tail.poll(reader, t0 + 10 * TAIL_LATE_MS)).lines), []);
    table.push(row(t0 + 1000, 5, 'stored far too late'));
    assert.deepEqual(bodies((await tail.poll(reader, t0 + 10 * TAIL_LATE_MS + 1000)).lines), []);
  });

  void it('reports a gap when a poll hits its line cap with unsent lines at the old end', async () => {
    const t0 = 1_800_000_000_000;
    const table = Array.from({ length: 12 }, (_, i) => row(t0 + i, i, `l${i}`));
    const tail = new LogTail(target, 't', sql`1`, t0 - 1000, 5);
    const first = await tail.poll(fakeReader(table), t0 + 100);
    assert.deepEqual(bodies(first.lines), ['l7', 'l8', 'l9', 'l10', 'l11']);
    assert.equal(first.gap, true);
    const second = await tail.poll(fakeReader(table), t0 + 200);
    assert.deepEqual(second.lines, []);
    assert.equal(second.gap, false);
  });
});

void describe('pagination cursors', () => {
  const f = searchFingerprint({ signal: 'logs', filters: [{ field: 'service', op: '=', value: 'a' }] });

  void it('round-trips position and time range', () => {
    const c = encodeCursor(f, { fromMs: 1, toMs: 2 }, { t: '123', h: '18446744073709551615', n: 2, id: 'ab' });
    const d = decodeCursor(c, f);
    assert.deepEqual(d.window, { fromMs: 1, toMs: 2 });
    assert.equal(positionUInt64(d.position, 't'), 123n);
    assert.equal(positionUInt64(d.position, 'h'), 2n ** 64n - 1n);
    assert.equal(positionCount(d.position, 'n'), 2);
    assert.equal(positionText(d.position, 'id', /^[a-f]+$/), 'ab');
  });

  void it('refuses cursors of another search, forged or broken ones, naming cursor', () => {
    const other = searchFingerprint({ signal: 'logs', filters: [] });
    const good = encodeCursor(f, { fromMs: 1, toMs: 2 }, { t: '1' });
    const forged = (p: unknown): string => Buffer.from(JSON.stringify(p)).toString('base64url');
    const attempts: Array<() => unknown> = [
      () => decodeCursor(good, other),
      () => decodeCursor('not a cursor!', f),
      () => decodeCursor('e30', f),
      () => decodeCursor(forged({ v: 1, f, w: ['1', 2], p: {} }), f),
      () => positionUInt64(decodeCursor(forged({ v: 1, f, w: [1, 2], p: { t: "1' OR 1=1" } }), f).position, 't'),
      () => positionUInt64(decodeCursor(forged({ v: 1, f, w: [1, 2], p: { t: '18446744073709551616' } }), f).position, 't'),
      () => positionCount(decodeCursor(forged({ v: 1, f, w: [1, 2], p: { n: -1 } }), f).position, 'n'),
      () => positionText(decodeCursor(forged({ v: 1, f, w: [1, 2], p: { id: 'zz' } }), f).position, 'id', /^[a-f]+$/),
    ];
    for (const attempt of attempts) {
      assert.throws(attempt, (err: unknown) => err instanceof ApiError && err.field === 'cursor' && /cursor is not valid/.test(err.message));
    }
  });
});
