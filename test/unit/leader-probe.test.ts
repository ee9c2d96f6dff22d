// The predecessor probe that shortens failover after kill -9: only "connection refused", several
// times in a row, after the process was once seen answering, means gone. Timeouts (a frozen
// process still accepts connections) and never-seen processes never count.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ProbeTracker, probeOnce } from '../../query/ha/predecessor-probe.ts';

void describe('ProbeTracker', () => {
  void it('declares dead only after N refusals in a row following an answer', () => {
    const t = new ProbeTracker(3);
    assert.equal(t.record('answered'), 'alive');
    assert.equal(t.record('refused'), 'unknown');
    assert.equal(t.record('refused'), 'unknown');
    assert.equal(t.record('refused'), 'dead');
  });

  void it('never declares dead a process it never saw answer (not yet listening, wrong address)', () => {
    const t = new ProbeTracker(2);
    for (let i = 0; i < 10; i++) assert.equal(t.record('refused'), 'unknown');
  });

  void it('an inconclusive probe (timeout) resets the count', () => {
    const t = new ProbeTracker(2);
    t.record('answered');
    t.record('refused');
    assert.equal(t.record('inconclusive'), 'unknown');
    assert.equal(t.record('refused'), 'unknown');
    assert.equal(t.record('refused'), 'dead');
  });
});

void describe('probeOnce', () => {
  void it('answered while a server listens, refused once it is gone, inconclusive while it hangs', async () => {
    let hang = false;
    const server = createServer((_req, res) => {
      if (!hang) res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    assert.equal(await probeOnce(url, 1000), 'answered');
    hang = true;
    assert.equal(await probeOnce(url, 200), 'inconclusive');
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    // The first probe may fail on the pooled keep-alive socket instead (inconclusive), not later ones.
    const after = [await probeOnce(url, 1000), await probeOnce(url, 1000), await probeOnce(url, 1000)];
    assert.ok(!after.includes('answered'));
    assert.deepEqual(after.slice(1), ['refused', 'refused']);
  });
});
