// Election order from member znode names alone: lowest sequence leads, each other member watches
// exactly the one below it (no herd), foreign names are ignored, a missing self means "join again".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decide, electionOrder, memberSequence } from '../../query/ha/election-order.ts';

const name = (seq: number): string => `m-${String(seq).padStart(10, '0')}`;

void describe('election order', () => {
  void it('parses only member names with a 10-digit sequence', () => {
    assert.equal(memberSequence('m-0000000042'), 42);
    assert.equal(memberSequence('m-42'), null);
    assert.equal(memberSequence('x-0000000042'), null);
    assert.equal(memberSequence('m-0000000042-extra'), null);
  });

  void it('orders by sequence number, not by arrival, and ignores foreign znodes', () => {
    assert.deepEqual(electionOrder(['m-0000000010', 'lock', 'm-0000000002', 'm-0000000100']), ['m-0000000002', 'm-0000000010', 'm-0000000100']);
  });

  void it('the lowest leads; every other member follows the member just below it', () => {
    const children = [name(7), name(3), name(12)];
    assert.deepEqual(decide(children, name(3)), { kind: 'lead' });
    assert.deepEqual(decide(children, name(7)), { kind: 'follow', predecessor: name(3) });
    assert.deepEqual(decide(children, name(12)), { kind: 'follow', predecessor: name(7) });
  });

  void it('a member whose znode is gone is told so', () => {
    assert.deepEqual(decide([name(1), name(2)], name(5)), { kind: 'absent' });
  });

  void it('for any membership: exactly one leader, and predecessors form one chain (each watched by one member)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 9_999_999 }), { minLength: 1, maxLength: 30 }), (seqs) => {
        const children = seqs.map(name);
        const decisions = children.map((c) => decide(children, c));
        assert.equal(decisions.filter((d) => d.kind === 'lead').length, 1);
        const watched = decisions.flatMap((d) => (d.kind === 'follow' ? [d.predecessor] : []));
        assert.equal(new Set(watched).size, watched.length, 'no member is watched by two');
        const lowest = name(Math.min(...seqs));
        assert.deepEqual(decide(children, lowest), { kind: 'lead' });
        for (const [i, d] of decisions.entries()) {
          if (d.kind === 'follow') assert.ok((memberSequence(d.predecessor) ?? Infinity) < (memberSequence(children[i] ?? '') ?? -1));
        }
      }),
    );
  });
});
