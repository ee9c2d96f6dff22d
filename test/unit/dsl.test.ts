// The query DSL without a server: body validation naming JSON paths, planning (fields, aggregates,
// names, having, order, caps) and the exact SQL it compiles to. A property checks that whatever
// strings a client puts anywhere in a query, the SQL keeps its shape: tenant and time first, the
// client's text only inside quoted literals, and only generated aliases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { quoteString, sql } from '../../common/clickhouse/sql.ts';
import { storageTarget } from '../../common/clickhouse/topology.ts';
import { dslSql } from '../../query/dsl/dsl-compile.ts';
import { planDsl } from '../../query/dsl/dsl-plan.ts';
import { dslAnswer } from '../../query/dsl/dsl-result.ts';
import type { DslQuery } from '../../query/dsl/dsl-schema.ts';
import { dslBodyError } from '../../query/dsl/dsl-validator.ts';
import { ApiError } from '../../query/errors.ts';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const target = storageTarget('cairn', null);

function compile(q: DslQuery, tenant = 'team-a'): string {
  return dslSql(target, tenant, planDsl(q, NOW)).text;
}

function planError(q: unknown): ApiError {
  const schema = dslBodyError(q);
  if (schema !== undefined) return schema;
  try {
    planDsl(q as DslQuery, NOW);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  return assert.fail(`expected ${JSON.stringify(q)} to be refused`);
}

const RANGE =
  'toStartOfHour(`timestamp`) >= toStartOfHour(toDateTime(1768042800)) AND toStartOfHour(`timestamp`) <= toStartOfHour(toDateTime(1768046400)) AND ' +
  '`timestamp` >= toDateTime(1768042800) AND `timestamp` <= toDateTime(1768046400) AND `start_time_unix_nano` >= 1768042800000000000 AND `start_time_unix_nano` < 1768046400000000000';

void describe('DSL compilation', () => {
  void it('compiles a grouped, bucketed, filtered query to one SELECT with generated aliases', () => {
    assert.equal(
      compile({
        signal: 'traces',
        filters: [{ field: 'span.http.status_code', op: '>=', value: 500 }],
        groupBy: ['service', 'span.http.route'],
        bucket: 60,
        aggregates: [{ fn: 'count' }, { fn: 'quantile', field: 'duration', q: 0.99, as: 'p99' }, { fn: 'uniq', field: 'trace_id' }],
        having: [{ name: 'count', op: '>', value: 10 }],
        orderBy: [{ name: 'p99', dir: 'desc' }],
        limit: 50,
      }),
      'SELECT `service_name` AS `g0`, ' +
        "if(has(`attr_keys`, 'http.route'), `attr_values`[indexOf(`attr_keys`, 'http.route')], NULL) AS `g1`, " +
        'toUInt32(intDiv(toUInt32(`timestamp`), 60) * 60) AS `bkt`, ' +
        'toFloat64(count()) AS `a0`, toFloat64(quantile(0.99)((`duration_ns` / 1000000))) AS `a1`, toFloat64(uniq(`trace_id`)) AS `a2` ' +
        "FROM `cairn`.`spans` WHERE `tenant` = 'team-a' AND " +
        RANGE +
        " AND (ifNull(toFloat64OrNull(`attr_values`[indexOf(`attr_keys`, 'http.status_code')]) >= 500, 0)) " +
        'GROUP BY `g0`, `g1`, `bkt` HAVING `a0` > 10 ORDER BY `a1` DESC, `g0` ASC, `g1` ASC, `bkt` ASC LIMIT 50',
    );
  });

  void it('defaults: last hour, no GROUP BY without keys, order by bucket then first aggregate', () => {
    assert.equal(
      compile({ signal: 'logs', q: 'timeout -debug', aggregates: [{ fn: 'max', field: 'severity' }] }),
      "SELECT toFloat64(max(`severity_number`)) AS `a0` FROM `cairn`.`logs` WHERE `tenant` = 'team-a' AND " +
        RANGE.replaceAll('start_time_unix_nano', 'time_unix_nano') +
        " AND (1 AND (positionCaseInsensitiveUTF8(`body`, 'timeout') > 0) AND (positionCaseInsensitiveUTF8(`body`, 'debug') = 0)) ORDER BY `a0` DESC LIMIT 100",
    );
    const bucketed = compile({ signal: 'logs', bucket: 300, aggregates: [{ fn: 'count' }] });
    assert.match(bucketed, / GROUP BY `bkt` ORDER BY `bkt` ASC, `a0` DESC LIMIT 100$/);
  });

  void it('names columns as written, and answers with them', () => {
    const plan = planDsl({ signal: 'logs', groupBy: ['log.user'], bucket: 60, aggregates: [{ fn: 'count' }, { fn: 'avg', field: 'log.ms', as: '__proto__' }] }, NOW);
    const answer = dslAnswer(plan, [{ g0: null, bkt: 1768046340, a0: 3, a1: null }]);
    assert.deepEqual(answer.columns, [
      { name: 'log.user', kind: 'group' },
      { name: 'bucket', kind: 'bucket' },
      { name: 'count', kind: 'aggregate' },
      { name: '__proto__', kind: 'aggregate' },
    ]);
    const row = answer.rows[0] ?? {};
    assert.deepEqual(Object.keys(row), ['log.user', 'bucket', 'count', '__proto__']);
    assert.equal(row['bucket'], '2026-01-10T11:59:00.000Z');
    assert.equal(Object.getPrototypeOf(row), Object.prototype);
  });

  void it('keeps the client\'s strings inside literals wherever they appear (property)', () => {
    const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(text, text, text, (key, value, tenant) => {
        const q: DslQuery = {
          signal: 'logs',
          filters: [
            { field: `log.${key}`, op: '=', value },
            { field: `resource.${key}`, op: '!~', value: 'x' },
            { field: 'body', op: '!=', value },
          ],
          groupBy: [`log.${key}`],
          aggregates: [{ fn: 'sum', field: `resource.${key}` }],
        };
        const text = compile(q, tenant);
        const k = quoteString(key);
        const v = quoteString(value);
        const expected =
          `SELECT if(has(\`attr_keys\`, ${k}), \`attr_values\`[indexOf(\`attr_keys\`, ${k})], NULL) AS \`g0\`, ` +
          `toFloat64(sum(toFloat64OrNull(\`resource_attr_values\`[indexOf(\`resource_attr_keys\`, ${k})]))) AS \`a0\` ` +
          `FROM \`cairn\`.\`logs\` WHERE \`tenant\` = ${quoteString(tenant)} AND ${RANGE.replaceAll('start_time_unix_nano', 'time_unix_nano')} AND (` +
          `((has(\`attr_keys\`, ${k}) AND \`attr_values\`[indexOf(\`attr_keys\`, ${k})] = ${v})) AND ` +
          `(NOT (has(\`resource_attr_keys\`, ${k}) AND match(\`resource_attr_values\`[indexOf(\`resource_attr_keys\`, ${k})], '(?:x)'))) AND ` +
          `(NOT (\`body\` = ${v}))) GROUP BY \`g0\` ORDER BY \`a0\` DESC, \`g0\` ASC LIMIT 100`;
        assert.equal(text, expected);
      }),
      { numRuns: 300 },
    );
    // And the literal itself cannot end early: every quote and backslash inside is escaped.
    fc.assert(
      fc.property(text, (s) => {
        const inner = quoteString(s).slice(1, -1);
        assert.doesNotMatch(inner.replaceAll('\\\\', '').replaceAll("\\'", ''), /'/);
        assert.equal(sql`${s}`.text, quoteString(s));
      }),
      { numRuns: 300 },
    );
  });
});

void describe('DSL validation', () => {
  void it('names the JSON path of every kind of mistake', () => {
    const base = { signal: 'traces', aggregates: [{ fn: 'count' }] };
    const cases: ReadonlyArray<readonly [unknown, string, RegExp]> = [
      [{ ...base, bogus: true }, 'bogus', /bogus: unknown property/],
      [{ ...base, aggregates: [{ fn: 'count', bogus: 1 }] }, 'aggregates[0].bogus', /unknown property/],
      [{ ...base, aggregates: [{ fn: 'count' }, { fn: 'median' }] }, 'aggregates[1].fn', /must be one of count, sum, avg, min, max, uniq, quantile; got "median"/],
      [{ ...base, aggregates: [{ fn: 'count', field: 'duration' }] }, 'aggregates[0].field', /count takes no field/],
      [{ ...base, aggregates: [{ fn: 'avg', field: 'name' }] }, 'aggregates[0].field', /numeric field; name is text/],
      [{ ...base, aggregates: [{ fn: 'max', q: 0.5, field: 'duration' }] }, 'aggregates[0].q', /only quantile takes q/],
      [{ ...base, aggregates: [{ fn: 'quantile', field: 'duration', q: 1.5 }] }, 'aggregates[0].q', /less or equal to 1/],
      [{ ...base, aggregates: [{ fn: 'uniq', field: 'log.x' }] }, 'aggregates[0].field', /unknown field "log.x" for traces/],
      [{ ...base, filters: [{ field: 'service', op: '=' }] }, 'filters[0].value', /needs a value/],
      [{ ...base, filters: [{ field: 'service', op: '=', value: null }] }, 'filters[0].value', /union/],
      [{ ...base, filters: [{ field: 'kind', op: '>', value: 'sideways' }] }, 'filters[0].value', /kind needs a number/],
      [{ ...base, groupBy: ['service', 'service'] }, 'groupBy[1]', /used twice/],
      [{ ...base, groupBy: Array.from({ length: 9 }, (_, i) => `span.k${i}`) }, 'groupBy', /less or equal to 8/],
      [{ ...base, having: [{ name: 'service', op: '>', value: 1 }], groupBy: ['service'] }, 'having[0].name', /not an aggregate column; aggregates are "count"/],
      [{ ...base, having: [{ name: 'count', op: 'LIKE', value: 1 }] }, 'having[0].op', /must be one of/],
      [{ ...base, orderBy: [{ name: 'nope' }] }, 'orderBy[0].name', /not a column; columns are "count"/],
      [{ ...base, orderBy: [{ name: 'count', dir: 'sideways' }] }, 'orderBy[0].dir', /must be one of asc, desc/],
      [{ ...base, bucket: 0 }, 'bucket', /greater or equal to 1/],
      [{ ...base, start: 'now-3h', bucket: 1 }, 'bucket', /10800 buckets in the time range; at most 10000/],
      [{ ...base, limit: 0 }, 'limit', /greater or equal to 1/],
      [{ ...base, q: 'x' }, 'q', /logs only/],
      [{ ...base, signal: 'logs', q: '"open' }, 'q', /not closed/],
      [{ ...base, end: 'tomorrow' }, 'end', /RFC 3339/],
      [{ ...base, start: 1, end: 2 }, 'end', /out of range/],
      ['text', 'body', /expected object/],
    ];
    for (const [q, field, message] of cases) {
      const err = planError(q);
      assert.equal(err.code, 'INVALID_ARGUMENT', JSON.stringify(q));
      assert.equal(err.field, field, JSON.stringify(q));
      assert.match(err.message, message, JSON.stringify(q));
      assert.ok(err.message.startsWith(field), err.message);
    }
  });
});
