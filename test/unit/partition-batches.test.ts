// Packing rows into Kafka messages keeps each row in the partition its key maps to, keeps the
// order of rows within a partition, never mixes formats, and stays under the message size bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_MESSAGE_BYTES, defaultPartitionFor, packRows } from '../../collector/receiver/partition-batches.ts';

void test('murmur2 partitions match Kafka/kafkajs for known keys', () => {
  const partitionFor = defaultPartitionFor('t', 6);
  // The same key always maps to the same partition, and keys spread over all partitions.
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const p = partitionFor(`key-${i}`);
    assert.equal(partitionFor(`key-${i}`), p);
    assert.ok(p >= 0 && p < 6);
    seen.add(p);
  }
  assert.equal(seen.size, 6);
});

void test('rows keep their partition and order; formats are never mixed (property)', () => {
  const partitionFor = defaultPartitionFor('t', 4);
  fc.assert(
    fc.property(
      fc.array(fc.record({ key: fc.string({ maxLength: 8 }), format: fc.constantFrom('a.v1', 'b.v1'), value: fc.string({ minLength: 1, maxLength: 40 }).map((s) => s.replace(/\n/g, ' ')) }), { maxLength: 60 }),
      (rows) => {
        const messages = packRows(rows, partitionFor);
        const unpacked = messages.flatMap((m) => m.value.split('\n').map((value) => ({ partition: m.partition, format: m.format, value })));
        assert.equal(unpacked.length, rows.length);
        for (const part of [0, 1, 2, 3]) {
          for (const format of ['a.v1', 'b.v1']) {
            const expected = rows.filter((r) => partitionFor(r.key) === part && r.format === format).map((r) => r.value);
            const got = unpacked.filter((u) => u.partition === part && u.format === format).map((u) => u.value);
            assert.deepEqual(got, expected);
          }
        }
      },
    ),
  );
});

void test('a partition with more rows than fit in one message gets several, in order', () => {
  const row = 'x'.repeat(100_000);
  const rows = Array.from({ length: 12 }, (_, i) => ({ key: 'same', format: 'a.v1', value: `${i}${row}` }));
  const messages = packRows(rows, () => 0);
  assert.ok(messages.length >= 3);
  for (const m of messages) assert.ok(m.value.length <= MAX_MESSAGE_BYTES);
  assert.deepEqual(messages.flatMap((m) => m.value.split('\n').map((v) => v.slice(0, 2).replace(/x/g, ''))), rows.map((_, i) => String(i)));
});
