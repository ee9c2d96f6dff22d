// The ingester's waits between insert attempts: quorum contention (code 286 on 18.16) is retried
// within a second however long it lasts; other failures back off exponentially to 10 s; each kind
// grows its own backoff.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InsertRetry, insertFailureKind } from '../../collector/ingest/insert-retry.ts';

const contention = new Error('Code: 286, e.displayText() = DB::Exception: Quorum for previous write has not been satisfied yet. Status: version: 1');
const another = new Error('Code: 286, e.displayText() = DB::Exception: Another quorum insert has been already started');
const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:18123'), { code: 'ECONNREFUSED' });
const readOnly = new Error('Code: 242, e.displayText() = DB::Exception: Table is in readonly mode');

void describe('insert retry waits', () => {
  void it('classifies both code-286 messages as contention, anything else as a fault', () => {
    assert.equal(insertFailureKind(contention), 'quorum-contention');
    assert.equal(insertFailureKind(another), 'quorum-contention');
    assert.equal(insertFailureKind(down), 'fault');
    assert.equal(insertFailureKind(readOnly), 'fault');
  });

  void it('contention never waits a second or more, however many attempts', () => {
    const r = new InsertRetry(() => 0.999);
    const waits = Array.from({ length: 50 }, () => r.failed(contention).delayMs);
    assert.ok(waits.every((w) => w < 1000), JSON.stringify(waits));
    assert.ok(waits[0] !== undefined && waits[0] < 100, 'the first retry comes soon');
  });

  void it('faults back off exponentially up to 10 s', () => {
    const r = new InsertRetry(() => 0.999);
    const waits = Array.from({ length: 12 }, () => r.failed(down).delayMs);
    assert.deepEqual(waits.slice(0, 4), [199, 399, 799, 1598]);
    assert.equal(waits.at(-1), 9990);
  });

  void it('each kind keeps its own count: contention does not push a later fault to 10 s', () => {
    const r = new InsertRetry(() => 0.999);
    for (let i = 0; i < 30; i++) r.failed(another);
    assert.equal(r.failed(readOnly).delayMs, 199);
  });

  void it('contention is logged as routine until it lasts; faults become errors after three', () => {
    const r = new InsertRetry(() => 0.5);
    const contentionLevels = Array.from({ length: 21 }, () => r.failed(contention).level);
    assert.deepEqual([contentionLevels[0], contentionLevels[19], contentionLevels[20]], ['info', 'info', 'warn']);
    const faultLevels = Array.from({ length: 4 }, () => r.failed(down).level);
    assert.deepEqual(faultLevels, ['warn', 'warn', 'warn', 'error']);
  });
});
