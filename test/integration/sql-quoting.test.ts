// The quoting module against real parsers: the ClickHouse 18.16 server of the local stack and the
// embedded current engine (chdb). Generated strings (quotes, backslashes, control characters, NUL,
// any Unicode), 64-bit integers, doubles and string arrays are rendered by literal() and selected
// back; both engines must return exactly the value that went in. Values are batched several per
// query, so each engine parses a few hundred generated strings in a couple of seconds.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createClickHouse, defaultClickHouseRetry } from '../../common/clickhouse/client.ts';
import type { ClickHouseEndpoint } from '../../common/clickhouse/client.ts';
import type { SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { join, raw, sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment, SqlValue } from '../../common/clickhouse/sql.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { stackEndpoints } from './support/stack-env.ts';

const INJECTIONS = [
  "' OR 1=1 --",
  "\\'",
  "'; DROP TABLE x; --",
  "\\\\'; SELECT 1; --",
  "' UNION ALL SELECT name FROM system.tables --",
  '\\x27',
  "''",
  "\\' OR ''='",
  '/* */',
  '`; --',
  '%s%n',
];

/** Text the quoting has to get right, mixed into arbitrary well-formed Unicode (the wire is UTF-8). */
const nastyChar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("'", '\\', '\0', '\n', '\r', '\t', '\b', '\f', '\x1b', '\x7f', '"', '`', '\u2028', '\ufeff', '\uffff', ...INJECTIONS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 5, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const nastyString = fc.string({ unit: nastyChar, maxLength: 30 });

/** `SELECT <e0> AS v0, <e1> AS v1, ...`: one query for a batch of values. */
function selectEach<T extends SqlValue>(values: readonly T[], render: (v: T) => SqlFragment = (v) => sql`${v}`): SqlFragment {
  // The aliases are code-generated (v + index), never input.
  return sql`SELECT ${join(values.map((v, i) => sql`${render(v)} AS ${raw(`v${i}`)}`), ', ')}`;
}

/** Runs a batch and returns the values in order, checking the result is one row of exactly them. */
async function selectBack(ch: SqlRunner, query: SqlFragment, count: number): Promise<unknown[]> {
  const rows = await ch.queryRows<Record<string, unknown>>(query);
  assert.equal(rows.length, 1, 'exactly one row');
  const row = rows[0] ?? {};
  const keys = Array.from({ length: count }, (_, i) => `v${i}`);
  assert.deepEqual(Object.keys(row), keys, 'exactly the selected columns');
  return keys.map((k) => row[k]);
}

const MIN_NORMAL = 2.2250738585072014e-308;
const int64Min = -(2n ** 63n);
const uint64Max = 2n ** 64n - 1n;
const bigint64 = fc.oneof(
  fc.bigInt({ min: int64Min, max: uint64Max }),
  fc.constantFrom(int64Min, int64Min + 1n, -1n, 0n, 1n, 2n ** 63n - 1n, 2n ** 63n, uint64Max - 1n, uint64Max),
);

interface Engine {
  readonly name: string;
  readonly endpoint: () => ClickHouseEndpoint;
  readonly cleanup: () => void;
}

let embeddedDir: string | null = null;
const engines: Engine[] = [
  {
    name: 'ClickHouse 18.16 server',
    endpoint: () => ({ kind: 'server', url: stackEndpoints().clickhouseHttp[0] ?? '', username: 'default', password: '' }),
    cleanup: () => undefined,
  },
  {
    name: 'embedded engine (chdb)',
    endpoint: () => {
      embeddedDir = mkdtempSync(joinPath(tmpdir(), 'cairn-sql-quoting-'));
      return { kind: 'embedded', path: embeddedDir };
    },
    cleanup: () => {
      if (embeddedDir !== null) rmSync(embeddedDir, { recursive: true, force: true });
    },
  },
];

for (const engine of engines) {
  void describe(`SQL literals on the ${engine.name}`, () => {
    let ch: SqlRunner;

    before(() => {
      ch = createClickHouse({
        endpoint: engine.endpoint(),
        requestTimeoutMs: 30_000,
        retry: defaultClickHouseRetry,
        logger: createLogger('silent', 'test-sql-quoting'),
      });
    });

    after(async () => {
      await ch.close();
      engine.cleanup();
    });

    void it('returns generated strings exactly (>= 300 strings)', async () => {
      let checked = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(nastyString, { minLength: 8, maxLength: 16 }), async (strings) => {
          assert.deepEqual(await selectBack(ch, selectEach(strings), strings.length), strings);
          checked += strings.length;
        }),
        { numRuns: 50 },
      );
      assert.ok(checked >= 300, `only ${checked} strings checked`);
    });

    void it('returns injection attempts verbatim, as one value each', async () => {
      const attempts = [...INJECTIONS, ...INJECTIONS.map((s) => `x${s}y`), INJECTIONS.join(''), '\0', '\\', '\\\\', "'"];
      assert.deepEqual(await selectBack(ch, selectEach(attempts), attempts.length), attempts);
      // In a WHERE clause, an injection must compare as data: no row has this tenant.
      const rows = await ch.queryRows<{ n: string }>(sql`SELECT count() AS n FROM system.one WHERE toString(dummy) = ${"' OR 1=1 --"}`);
      assert.deepEqual(rows, [{ n: '0' }]);
    });

    void it('returns 64-bit integers exactly (Int64 min to UInt64 max)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(bigint64, { minLength: 1, maxLength: 20 }), async (ns) => {
          const back = await selectBack(ch, selectEach(ns, (n) => sql`toString(${n})`), ns.length);
          assert.deepEqual(back, ns.map((n) => n.toString()));
        }),
        { numRuns: 25 },
      );
    });

    void it('returns finite normal doubles exactly', async () => {
      const normal = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => x === 0 || Math.abs(x) >= MIN_NORMAL);
      await fc.assert(
        fc.asyncProperty(fc.array(normal, { minLength: 1, maxLength: 20 }), async (xs) => {
          const back = await selectBack(ch, selectEach(xs, (x) => sql`toFloat64(${x})`), xs.length);
          // -0 renders as (0): the sign of zero is not kept, every other bit is.
          xs.forEach((x, i) => {
            assert.ok(back[i] === x, `${x} came back as ${String(back[i])}`);
          });
        }),
        { numRuns: 25 },
      );
    });

    // BUG (server only): 18.16 parses number literals with strtod and rejects any that set ERANGE,
    // which glibc does for subnormals, so literal(5e-324) is a syntax error there. Fix in
    // sql.ts literal(), before the negative check: render subnormals as an exact power-of-two
    // scaling, e.g.
    //   if (value !== 0 && Math.abs(value) < 2.2250738585072014e-308)
    //     return `(${literal(value * 2 ** 64)} / 18446744073709551616.0)`;
    void it('returns subnormal doubles exactly', async () => {
      const xs = [5e-324, -5e-324, 2.225073858507201e-308, 1e-310, -1.2345e-315];
      const back = await selectBack(ch, selectEach(xs, (x) => sql`toFloat64(${x})`), xs.length);
      assert.deepEqual(back, xs);
    });

    void it('returns arrays of strings, including empty and nested ones', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(nastyString, { maxLength: 5 }), { minLength: 1, maxLength: 8 }), async (arrays) => {
          assert.deepEqual(await selectBack(ch, selectEach(arrays), arrays.length), arrays);
        }),
        { numRuns: 20 },
      );
      const nested = [[['a', "b'"], []], [['\0']]];
      assert.deepEqual(await selectBack(ch, selectEach(nested), nested.length), nested);
    });
  });
}
