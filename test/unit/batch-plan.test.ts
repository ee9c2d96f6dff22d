// Batch planning for the ingester: without a plan, batches are up to maxRows of what is buffered;
// with a plan (a crashed predecessor's pending batch) the next batch is exactly the planned offset
// range however the messages arrive, and the plan metadata format is strict about what it accepts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatPlan, parsePlan, PartitionBuffer } from '../../collector/ingest/batch-plan.ts';
import type { BufferedMessage, Chunk } from '../../collector/ingest/batch-plan.ts';

interface Msg extends BufferedMessage {
  readonly tag: string;
}

const msg = (offset: bigint | number, tag = ''): Msg => ({ offset: BigInt(offset), tag });
const range = (from: number, to: number): Msg[] => Array.from({ length: to - from + 1 }, (_, i) => msg(from + i));
const offsets = (chunk: Chunk<Msg> | null): bigint[] | null => (chunk === null ? null : chunk.messages.map((m) => m.offset));

function must(chunk: Chunk<Msg> | null): Chunk<Msg> {
  assert.ok(chunk !== null, 'expected a chunk, got null (waiting for more messages)');
  return chunk;
}

void describe('PartitionBuffer without a plan', () => {
  void it('returns nothing while empty', () => {
    const buffer = new PartitionBuffer<Msg>(null);
    assert.equal(buffer.next(10), null);
    assert.equal(buffer.size, 0);
  });

  void it('chunks what is buffered by maxRows, planning each chunk as its own offset range', () => {
    const buffer = new PartitionBuffer<Msg>(null);
    buffer.add(range(100, 109));
    assert.equal(buffer.size, 10);
    const first = must(buffer.next(4));
    assert.deepEqual(offsets(first), [100n, 101n, 102n, 103n]);
    assert.deepEqual(first.plan, { start: 100n, end: 103n });
    assert.equal(first.replay, false);
    // next() is a peek: asking again without done() gives the same chunk.
    assert.deepEqual(offsets(buffer.next(4)), [100n, 101n, 102n, 103n]);
    buffer.done(first);
    assert.equal(buffer.size, 6);
    const second = must(buffer.next(4));
    assert.deepEqual(second.plan, { start: 104n, end: 107n });
    buffer.done(second);
    const third = must(buffer.next(4));
    assert.deepEqual(offsets(third), [108n, 109n]);
    buffer.done(third);
    assert.equal(buffer.next(4), null);
  });

  void it('spans offset gaps: the plan covers first to last offset of the chunk', () => {
    const buffer = new PartitionBuffer<Msg>(null);
    buffer.add([msg(0), msg(2), msg(7), msg(8)]);
    const chunk = buffer.next(3);
    assert.deepEqual(offsets(chunk), [0n, 2n, 7n]);
    assert.deepEqual(chunk?.plan, { start: 0n, end: 7n });
  });

  void it('ignores re-fetched offsets', () => {
    const buffer = new PartitionBuffer<Msg>(null);
    buffer.add(range(0, 4));
    buffer.add([...range(2, 6).map((m) => msg(m.offset, 'refetch'))]);
    assert.equal(buffer.size, 7);
    const chunk = buffer.next(100);
    assert.deepEqual(offsets(chunk), [0n, 1n, 2n, 3n, 4n, 5n, 6n]);
    assert.deepEqual(chunk?.messages.map((m) => m.tag), ['', '', '', '', '', 'refetch', 'refetch']);
  });

  void it('partitions any arrival pattern into consecutive, non-overlapping chunks of at most maxRows (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 15 }), { maxLength: 8 }),
        fc.integer({ min: 1, max: 7 }),
        (batches, maxRows) => {
          const buffer = new PartitionBuffer<Msg>(null);
          const delivered: bigint[] = [];
          let highest = -1n;
          for (const batch of batches) {
            const sorted = [...batch].sort((a, b) => a - b).map((o) => msg(o));
            buffer.add(sorted);
            for (const m of sorted) {
              if (m.offset > highest) {
                highest = m.offset;
                delivered.push(m.offset);
              }
            }
          }
          const seen: bigint[] = [];
          for (let chunk = buffer.next(maxRows); chunk !== null; chunk = buffer.next(maxRows)) {
            assert.ok(chunk.messages.length >= 1 && chunk.messages.length <= maxRows);
            assert.equal(chunk.plan.start, chunk.messages[0]?.offset);
            assert.equal(chunk.plan.end, chunk.messages.at(-1)?.offset);
            seen.push(...chunk.messages.map((m) => m.offset));
            buffer.done(chunk);
          }
          assert.deepEqual(seen, delivered);
        },
      ),
    );
  });
});

void describe('PartitionBuffer with a plan', () => {
  void it('waits until the planned end is buffered, across several adds, then returns exactly the plan', () => {
    const plan = { start: 10n, end: 14n };
    const buffer = new PartitionBuffer<Msg>(plan);
    buffer.add(range(10, 11));
    assert.equal(buffer.next(2), null);
    buffer.add(range(12, 13));
    assert.equal(buffer.next(2), null, 'offset 14 not buffered yet');
    buffer.add(range(14, 17));
    const chunk = must(buffer.next(2));
    // maxRows does not cut a planned batch: it must be byte-identical to the first attempt.
    assert.deepEqual(offsets(chunk), [10n, 11n, 12n, 13n, 14n]);
    assert.deepEqual(chunk.plan, plan);
    assert.equal(chunk.replay, true);
    buffer.done(chunk);
    const after = must(buffer.next(2));
    assert.deepEqual(offsets(after), [15n, 16n]);
    assert.equal(after.replay, false);
    assert.deepEqual(after.plan, { start: 15n, end: 16n });
  });

  void it('ignores messages before the plan start and re-fetched ones', () => {
    const buffer = new PartitionBuffer<Msg>({ start: 10n, end: 12n });
    buffer.add(range(5, 9));
    assert.equal(buffer.size, 0);
    buffer.add(range(8, 11));
    buffer.add(range(10, 12).map((m) => msg(m.offset, 'refetch')));
    assert.equal(buffer.size, 3);
    const chunk = buffer.next(100);
    assert.deepEqual(offsets(chunk), [10n, 11n, 12n]);
    assert.deepEqual(chunk?.messages.map((m) => m.tag), ['', '', 'refetch']);
  });

  void it('handles offset gaps inside the plan, including a missing planned end', () => {
    const buffer = new PartitionBuffer<Msg>({ start: 10n, end: 14n });
    buffer.add([msg(10), msg(12)]);
    assert.equal(buffer.next(100), null);
    // 13 and 14 never come (compacted or transaction markers); a later offset proves it.
    buffer.add([msg(16), msg(17)]);
    const chunk = must(buffer.next(100));
    assert.deepEqual(offsets(chunk), [10n, 12n]);
    assert.deepEqual(chunk.plan, { start: 10n, end: 14n });
    assert.equal(chunk.replay, true);
    buffer.done(chunk);
    assert.deepEqual(offsets(buffer.next(100)), [16n, 17n]);
  });

  void it('returns an empty replay when the whole planned range is gone, then continues', () => {
    const buffer = new PartitionBuffer<Msg>({ start: 10n, end: 14n });
    buffer.add([msg(20)]);
    const chunk = must(buffer.next(100));
    assert.deepEqual(offsets(chunk), []);
    assert.equal(chunk.replay, true);
    buffer.done(chunk);
    assert.deepEqual(offsets(buffer.next(100)), [20n]);
  });

  void it('replays exactly the plan whatever the arrival pattern (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 20 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 10 }),
        (start, length, splits) => {
          const plan = { start: BigInt(start), end: BigInt(start + length) };
          const buffer = new PartitionBuffer<Msg>(plan);
          // Arrives from before the plan to well after it, cut into batches of the given sizes.
          const all = range(Math.max(0, start - 3), start + length + 10);
          let at = 0;
          let result: Chunk<Msg> | null = null;
          for (let i = 0; at < all.length; i++) {
            const size = splits[i % splits.length] ?? 1;
            buffer.add(all.slice(at, at + size));
            at += size;
            const arrived = all[Math.min(at, all.length) - 1]?.offset ?? -1n;
            result = buffer.next(1);
            if (arrived < plan.end) assert.equal(result, null);
            else break;
          }
          assert.notEqual(result, null);
          assert.deepEqual(offsets(result), range(start, start + length).map((m) => m.offset));
          assert.equal(result?.replay, true);
        },
      ),
    );
  });
});

void describe('plan metadata', () => {
  void it('formats and parses back a plan at its committed offset', () => {
    const plan = { start: 42n, end: 99n };
    assert.equal(formatPlan(plan), 'cairn.plan.v1:42-99');
    assert.deepEqual(parsePlan(formatPlan(plan), 42n), plan);
    assert.deepEqual(parsePlan('cairn.plan.v1:7-7', 7n), { start: 7n, end: 7n });
    const big = { start: 2n ** 62n, end: 2n ** 63n - 1n };
    assert.deepEqual(parsePlan(formatPlan(big), big.start), big);
  });

  void it('rejects missing and foreign metadata', () => {
    for (const metadata of [null, undefined, '', 'plan:1-2', 'cairn.plan.v2:1-2', ' cairn.plan.v1:1-2', '{"start":1}']) {
      assert.equal(parsePlan(metadata, 1n), null, String(metadata));
    }
  });

  void it('rejects malformed ranges', () => {
    for (const metadata of ['cairn.plan.v1:', 'cairn.plan.v1:1', 'cairn.plan.v1:1-', 'cairn.plan.v1:-1-2', 'cairn.plan.v1:1-2 ', 'cairn.plan.v1:1-2-3', 'cairn.plan.v1:a-b', 'cairn.plan.v1:1-2\n']) {
      assert.equal(parsePlan(metadata, 1n), null, JSON.stringify(metadata));
    }
  });

  void it('rejects a plan whose start is not the committed offset (already done or foreign)', () => {
    assert.equal(parsePlan('cairn.plan.v1:10-20', 21n), null);
    assert.equal(parsePlan('cairn.plan.v1:10-20', 9n), null);
  });

  void it('rejects end < start', () => {
    assert.equal(parsePlan('cairn.plan.v1:10-9', 10n), null);
  });
});

void it('a pinned plan is returned again, exactly, even after more messages arrive', () => {
  const b = new PartitionBuffer<{ offset: bigint }>(null);
  b.add([0n, 1n, 2n].map((offset) => ({ offset })));
  const first = b.next(100);
  assert.ok(first !== null && !first.replay);
  b.pin(first.plan);
  // The end commit failed; more messages were fetched before the retry.
  b.add([3n, 4n].map((offset) => ({ offset })));
  const again = b.next(100);
  assert.deepEqual(again?.plan, { start: 0n, end: 2n });
  assert.equal(again.replay, true);
  assert.deepEqual(again.messages.map((m) => m.offset), [0n, 1n, 2n]);
  b.done(again);
  assert.deepEqual(b.next(100)?.plan, { start: 3n, end: 4n });
});
