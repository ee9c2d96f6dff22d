// The test-side expansion of Grafana queries gives what Grafana and its plugins give: the expected
// strings are the upstream projects' own test cases (grafana-clickhouse-datasource
// pkg/macros/macros_test.go and src/data/CHDatasource.test.ts, grafana-plugin-sdk-go
// data/sqlutil/macros_test.go, Grafana's formatRegistry tests and promlib query tests).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatInterval, goDurationString, parseDuration } from '../support/grafana-durations.ts';
import { expandClickHouseSql, expandMacros } from '../support/grafana-macros.ts';
import type { QueryContext } from '../support/grafana-macros.ts';
import { interpolatePromQL } from '../support/grafana-prom-vars.ts';
import { applyConditionalAll, clickHousePluginFormat, replaceVariables } from '../support/grafana-template.ts';

// 2014-11-12T11:45:26.123Z .. 2015-11-12T11:45:26.456Z, as in the plugin's TestInterpolate.
const RANGE: QueryContext = { fromMs: Date.UTC(2014, 10, 12, 11, 45, 26, 123), toMs: Date.UTC(2015, 10, 12, 11, 45, 26, 456), intervalMs: 20_000 };

void describe('ClickHouse plugin macros', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['select * from foo where $__timeFilter(cast(sth as timestamp))', 'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)'],
    ['select * from foo where $__timeFilter(cast(sth as timestamp) )', 'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)'],
    ['select * from foo where $__timeFilter_ms(cast(sth as timestamp))', 'select * from foo where cast(sth as timestamp) >= fromUnixTimestamp64Milli(1415792726123) AND cast(sth as timestamp) <= fromUnixTimestamp64Milli(1447328726456)'],
    ['select * from foo where ( date >= $__fromTime and date <= $__toTime ) limit 100', 'select * from foo where ( date >= toDateTime(1415792726) and date <= toDateTime(1447328726) ) limit 100'],
    ['select * from foo where ( date >= $__fromTime ) and ( date <= $__toTime ) limit 100', 'select * from foo where ( date >= toDateTime(1415792726) ) and ( date <= toDateTime(1447328726) ) limit 100'],
    ['select * from foo where ( date >= $__fromTime_ms and date <= $__toTime_ms ) limit 100', 'select * from foo where ( date >= fromUnixTimestamp64Milli(1415792726123) and date <= fromUnixTimestamp64Milli(1447328726456) ) limit 100'],
    ['$__dateFilter(dateCol)', "dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')"],
    ['$__dateTimeFilter(dateCol, timeCol)', "(dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')) AND (timeCol >= toDateTime(1415792726) AND timeCol <= toDateTime(1447328726))"],
    ['select $__timeInterval(col) from foo', 'select toStartOfInterval(toDateTime(col), INTERVAL 20 second) from foo'],
    ['select $__timeInterval_ms(col) from foo', 'select toStartOfInterval(toDateTime64(col, 3), INTERVAL 20000 millisecond) from foo'],
    ['select toStartOfInterval(col, INTERVAL $__interval_s second) AS time from foo', 'select toStartOfInterval(col, INTERVAL 20 second) AS time from foo'],
    // sqlutil since 2024: a bracket that does not follow the name at once is not its argument list.
    ['select x / $__interval_s from t where $__timeFilter(c)', 'select x / 20 from t where c >= toDateTime(1415792726) AND c <= toDateTime(1447328726)'],
    // The longer name wins over its prefix, and the default $__interval is sqlutil's.
    ["select '$__interval', $__interval_ms", "select '20s', 20000"],
  ];
  for (const [input, want] of cases) {
    void it(input, () => {
      assert.equal(expandMacros(input, RANGE), want);
    });
  }

  void it('refuses the wrong number of arguments and an unclosed bracket', () => {
    assert.throws(() => expandMacros('where $__timeFilter', RANGE), /expected 1 argument, received 0/);
    assert.throws(() => expandMacros('where $__dt(a)', RANGE), /expected 2 argument, received 1/);
    assert.throws(() => expandMacros('where $__timeFilter(a', RANGE), /missing close bracket/);
  });
});

void describe("Grafana's variable interpolation for the ClickHouse plugin", () => {
  void it('$__conditionalAll (the plugin tests)', () => {
    const sql = 'select stuff from table where $__conditionalAll(fieldVal in ($fieldVal), $fieldVal);';
    assert.equal(applyConditionalAll(sql, { fieldVal: { value: '$__all' } }), 'select stuff from table where 1=1;');
    assert.equal(applyConditionalAll(sql, { fieldVal: { value: "'val1', 'val2'" } }), 'select stuff from table where fieldVal in ($fieldVal);');
    assert.equal(applyConditionalAll(sql, { fieldVal: { value: ['$__all'] } }), 'select stuff from table where 1=1;');
    assert.equal(applyConditionalAll(sql, { fieldVal: { value: '' } }), 'select stuff from table where 1=1;');
    const two = 'where $__conditionalAll(a in (${a:sqlstring}), $a) and $__conditionalAll(b in ($b), ${b})';
    assert.equal(applyConditionalAll(two, { a: { value: ['x'] }, b: { value: ['$__all'] } }), 'where a in (${a:sqlstring}) and 1=1');
  });

  void it('sqlstring as Grafana formats it; the plugin format for the rest', () => {
    const vars = { one: { value: "test'value" }, dq: { value: 'test"value' }, many: { value: ['test', "test'value2"] }, db: { value: 'cairn' } };
    assert.equal(replaceVariables('${one:sqlstring}', vars, clickHousePluginFormat), "'test''value'");
    assert.equal(replaceVariables('${dq:sqlstring}', vars, clickHousePluginFormat), "'test\\\"value'");
    assert.equal(replaceVariables('(${many:sqlstring})', vars, clickHousePluginFormat), "('test','test''value2')");
    assert.equal(replaceVariables('$db.t [[db]] ${db} $nope $__timeFilter(x)', vars, clickHousePluginFormat), 'cairn.t cairn cairn $nope $__timeFilter(x)');
    assert.equal(replaceVariables('($many)', vars, clickHousePluginFormat), "('test','test'value2')", 'the plugin joins without escaping');
    assert.throws(() => replaceVariables('${one:percentencode}', vars, clickHousePluginFormat), /format "percentencode"/);
  });

  void it('All: every option, or a custom all value unformatted', () => {
    const options = ['a', 'b'];
    assert.equal(replaceVariables('${s:sqlstring}', { s: { value: ['$__all'], options } }, clickHousePluginFormat), "'a','b'");
    assert.equal(replaceVariables('${s:sqlstring}', { s: { value: '$__all', options, allValue: '.*' } }, clickHousePluginFormat), '.*');
  });

  void it('variables first, then macros', () => {
    const sql = 'SELECT 1 FROM ${db}.t WHERE $__timeFilter(ts) AND $__conditionalAll(s IN (${s:sqlstring}), $s)';
    assert.equal(expandClickHouseSql(sql, { db: { value: 'x' }, s: { value: ['$__all'] } }, RANGE), 'SELECT 1 FROM x.t WHERE ts >= toDateTime(1415792726) AND ts <= toDateTime(1447328726) AND 1=1');
    assert.equal(expandClickHouseSql(sql, { db: { value: 'x' }, s: { value: ["o'k"] } }, RANGE), "SELECT 1 FROM x.t WHERE ts >= toDateTime(1415792726) AND ts <= toDateTime(1447328726) AND s IN ('o''k')");
  });
});

void describe('Prometheus interval variables', () => {
  void it('$__rate_interval is max(interval + scrape, 4 x scrape), printed as a Go duration', () => {
    const q = { intervalMs: 15_000, scrapeInterval: '15s', rangeMs: 3_600_000 };
    assert.equal(interpolatePromQL('rate(x[$__rate_interval])', q), 'rate(x[1m0s])');
    assert.equal(interpolatePromQL('rate(x[${__rate_interval}])', { ...q, intervalMs: 120_000 }), 'rate(x[2m15s])');
    assert.equal(interpolatePromQL('increase(x[$__range]) $__interval $__interval_ms $__range_s', q), 'increase(x[3600s]) 15s 15000 3600');
    assert.throws(() => interpolatePromQL('rate(x[$window])', q), /unexpanded/);
  });

  void it('durations', () => {
    assert.deepEqual([formatInterval(90_000), formatInterval(15_000), formatInterval(3_600_000), formatInterval(500)], ['1m', '15s', '1h', '500ms']);
    assert.deepEqual([goDurationString(60_000), goDurationString(3_723_000), goDurationString(1500), goDurationString(250)], ['1m0s', '1h2m3s', '1.5s', '250ms']);
    assert.deepEqual([parseDuration('1m'), parseDuration('1h30m'), parseDuration('0s')], [60_000, 5_400_000, 0]);
    assert.throws(() => parseDuration('10 minutes'));
  });
});
