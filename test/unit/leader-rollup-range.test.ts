// Which minutes the leader's service-graph rollup runs next: whole minutes after the mark, only
// once settled, at most maxMinutes per statement, and never the same minute twice.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { storageTarget } from '../../common/clickhouse/topology.ts';
import { existingEdgesQuery, nextRange, settledMinute } from '../../query/jobs/edge-rollup-job.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

void describe('rollup ranges', () => {
  void it('the settled minute is the start of the last minute that ended settleSeconds ago', () => {
    assert.equal(settledMinute(new Date(T0 + 10 * MIN + 59_000), 300), T0 + 5 * MIN);
    assert.equal(settledMinute(new Date(T0 + 10 * MIN), 0), T0 + 10 * MIN);
  });

  void it('nothing to do until a minute after the mark has settled', () => {
    assert.equal(nextRange(T0 + 5 * MIN, new Date(T0 + 10 * MIN + 59_000), 300, 60), null);
    assert.deepEqual(nextRange(T0 + 5 * MIN, new Date(T0 + 11 * MIN), 300, 60), { from: new Date(T0 + 5 * MIN), to: new Date(T0 + 6 * MIN) });
  });

  void it('catching up takes at most maxMinutes per range', () => {
    assert.deepEqual(nextRange(T0, new Date(T0 + 600 * MIN), 0, 60), { from: new Date(T0), to: new Date(T0 + 60 * MIN) });
  });

  void it('a mark that is not a whole minute is refused', () => {
    assert.throws(() => nextRange(T0 + 1, new Date(T0 + 600 * MIN), 0, 60), RangeError);
  });

  void it('successive ranges tile time without gaps or overlaps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 120 }), fc.integer({ min: 0, max: 900 }), (spanMinutes, maxMinutes, settle) => {
        const now = new Date(T0 + spanMinutes * MIN + 30_000);
        let mark = T0;
        let covered = 0;
        for (let range = nextRange(mark, now, settle, maxMinutes); range !== null; range = nextRange(mark, now, settle, maxMinutes)) {
          assert.equal(range.from.getTime(), mark);
          assert.ok(range.to.getTime() - range.from.getTime() <= maxMinutes * MIN);
          covered += (range.to.getTime() - range.from.getTime()) / MIN;
          mark = range.to.getTime();
        }
        assert.equal(mark, Math.max(T0, settledMinute(now, settle)));
        assert.equal(covered, Math.max(0, (settledMinute(now, settle) - T0) / MIN));
      }),
    );
  });

  void it('the existing-rows check reads origin 2 in the range through the public table', () => {
    const text = existingEdgesQuery(storageTarget('cairn', 'cairn'), { from: new Date(T0), to: new Date(T0 + MIN) }).text;
    assert.equal(
      text,
      `SELECT count() AS n FROM \`cairn\`.\`service_edges_minutely\` WHERE origin = 2 AND minute >= toDateTime(${T0 / 1000}) AND minute < toDateTime(${T0 / 1000 + 60})`,
    );
  });
});
