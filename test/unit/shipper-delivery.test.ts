// The shipper's delivery rules with a scripted collector (pure logic): a refused batch is halved
// until the one bad item stands alone and only it is dropped; retries wait at least what
// Retry-After asks; a stop ends delivery without claiming success, but never cuts an attempt short. Plus its settings' errors and
// file patterns.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { deliver } from '../../agents/shipper/delivery.ts';
import type { DeliveryContext } from '../../agents/shipper/delivery.ts';
import { expandFiles } from '../../agents/shipper/file-set.ts';
import { LogShipper } from '../../agents/shipper/log-shipper.ts';
import { OffsetStore } from '../../agents/shipper/offset-store.ts';
import type { OtlpSender, SendOutcome } from '../../agents/shipper/otlp-sender.ts';
import { retryAfterMs } from '../../agents/shipper/otlp-sender.ts';
import { readShipperConfig } from '../../agents/shipper/shipper-config.ts';
import { createShipperMetrics } from '../../agents/shipper/shipper-metrics.ts';
import { createLogger } from '../../common/runtime/logger.ts';

/** A collector that answers each request with `answer(items it carries)`, and records them. */
function context(answer: (items: number[]) => SendOutcome, stop = new AbortController()): { ctx: DeliveryContext; sent: number[][] } {
  const sent: number[][] = [];
  const sender = {
    send: (_path: string, json: string) => {
      const items = JSON.parse(json) as number[];
      sent.push(items);
      return Promise.resolve(answer(items));
    },
  } as unknown as OtlpSender;
  const ctx: DeliveryContext = {
    sender,
    stop: stop.signal,
    maxRetryDelayMs: 50,
    log: createLogger('silent', 'test'),
    metrics: createShipperMetrics(new Registry()),
    onAttempt: () => undefined,
    random: () => 1,
  };
  return { ctx, sent };
}

const encode = (items: readonly number[]): string => JSON.stringify(items);

void describe('shipper delivery', () => {
  void it('halves a refused batch until the bad item is alone; only it is dropped', async () => {
    const { ctx, sent } = context((items) => (items.includes(13) ? { kind: 'rejected', reason: 'bad item' } : { kind: 'ok', rejected: 0, message: '' }));
    const items = Array.from({ length: 20 }, (_, i) => i);
    const result = await deliver(ctx, '/v1/logs', items, encode);
    assert.deepEqual(result, { done: true, dropped: 1 });
    const delivered = sent.filter((b) => !b.includes(13)).flat().sort((a, b) => a - b);
    assert.deepEqual(delivered, items.filter((i) => i !== 13), 'every other item was delivered exactly once');
    assert.ok(sent.length <= 2 * Math.ceil(Math.log2(20)) + 1, `bisection, not one request per item (${sent.length})`);
  });

  void it('retries until the collector answers, waiting at least its Retry-After', async () => {
    let calls = 0;
    const { ctx } = context(() => (++calls < 3 ? { kind: 'retry', reason: 'HTTP 503', afterMs: 120 } : { kind: 'ok', rejected: 2, message: 'two too long' }));
    const t0 = performance.now();
    const result = await deliver(ctx, '/v1/metrics', [1, 2, 3], encode);
    assert.deepEqual(result, { done: true, dropped: 2 });
    assert.equal(calls, 3);
    assert.ok(performance.now() - t0 >= 235, 'two waits of at least 120 ms');
  });

  void it('a stop ends the retries and reports the batch as not delivered', async () => {
    const stop = new AbortController();
    const { ctx } = context(() => {
      stop.abort();
      return { kind: 'retry', reason: 'down' };
    }, stop);
    assert.deepEqual(await deliver(ctx, '/v1/logs', [1], encode), { done: false, dropped: 0 });
  });

  void it('a stop during an attempt lets it finish: an acknowledged batch counts as delivered', async () => {
    const stop = new AbortController();
    let seen: AbortSignal | undefined;
    const sender = {
      send: async (_path: string, _json: string, signal?: AbortSignal) => {
        seen = signal;
        stop.abort();
        await new Promise((r) => setTimeout(r, 20));
        return signal?.aborted === true ? { kind: 'retry', reason: 'aborted' } : { kind: 'ok', rejected: 0, message: '' };
      },
    } as unknown as OtlpSender;
    const { ctx } = context(() => ({ kind: 'ok', rejected: 0, message: '' }), stop);
    const result = await deliver({ ...ctx, sender }, '/v1/logs', [1, 2], encode);
    assert.equal(seen?.aborted ?? false, false, 'the attempt was not given the stop signal');
    assert.deepEqual(result, { done: true, dropped: 0 });
  });

  void it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(retryAfterMs('3'), 3000);
    assert.equal(retryAfterMs('Thu, 03 Dec 2026 10:00:05 GMT', Date.parse('Thu, 03 Dec 2026 10:00:00 GMT')), 5000);
    assert.equal(retryAfterMs(null), undefined);
    assert.equal(retryAfterMs('soon'), undefined);
  });
});

void describe('shipper settings and files', () => {
  void it('names the variable at fault', () => {
    assert.throws(() => readShipperConfig({}), /CAIRN_SHIPPER_FILES .* CAIRN_SHIPPER_SCRAPE_TARGETS/);
    assert.throws(() => readShipperConfig({ CAIRN_SHIPPER_FILES: '/var/log/*/app.log' }), /CAIRN_SHIPPER_FILES: .*only the file name/);
    assert.throws(() => readShipperConfig({ CAIRN_SHIPPER_SCRAPE_TARGETS: 'api=ftp://x/metrics' }), /CAIRN_SHIPPER_SCRAPE_TARGETS=ftp:\/\/x\/metrics is not an http\(s\) URL/);
    assert.throws(() => readShipperConfig({ CAIRN_SHIPPER_FILES: 'a.log', CAIRN_SHIPPER_FORMAT: 'text', CAIRN_SHIPPER_TEXT_PATTERN: '(?<when>.*)' }), /named groups when/);
    const c = readShipperConfig({ CAIRN_SHIPPER_SCRAPE_TARGETS: 'api=http://10.0.0.1:9100/metrics,http://h:8080/metrics', CAIRN_API_KEY: 'k'.repeat(20) });
    assert.deepEqual(c.targets, [{ job: 'api', url: 'http://10.0.0.1:9100/metrics' }, { job: 'scrape', url: 'http://h:8080/metrics' }]);
    assert.deepEqual(c.headers, { authorization: `Bearer ${'k'.repeat(20)}` });
  });

  void it('expands file-name patterns to the files there now, and keeps plain paths even before they exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-files-'));
    try {
      for (const f of ['api.log', 'web.log', 'api.log.1', 'notes.txt']) writeFileSync(join(dir, f), '');
      mkdirSync(join(dir, 'sub.log'));
      assert.deepEqual(expandFiles([join(dir, '*.log'), join(dir, 'later.log')]), [join(dir, 'api.log'), join(dir, 'web.log'), join(dir, 'later.log')]);
      assert.deepEqual(expandFiles([join(dir, 'w?b.log')]), [join(dir, 'web.log')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

void describe('shipper state file', () => {
  void it('a corrupt state file stops the start, naming CAIRN_SHIPPER_STATE and what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-state-'));
    try {
      writeFileSync(join(dir, 'offsets.json'), '{"a.log": {"ino": 1,');
      assert.throws(() => new OffsetStore(join(dir, 'offsets.json')), /CAIRN_SHIPPER_STATE.*not valid JSON.*delete it to ship every followed file again/);
      writeFileSync(join(dir, 'blocker'), '');
      assert.throws(() => new OffsetStore(join(dir, 'blocker', 'offsets.json')), /cannot read the shipper's state file .* \(CAIRN_SHIPPER_STATE\): ENOTDIR/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('when positions cannot be saved the log loop fails instead of shipping on unsaved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-state-'));
    try {
      writeFileSync(join(dir, 'app.log'), 'one\ntwo\n');
      // The state is written to <file>.tmp and renamed; a directory in that place makes the write fail.
      mkdirSync(join(dir, 'offsets.json.tmp'));
      const config = readShipperConfig({ CAIRN_SHIPPER_FILES: join(dir, 'app.log'), CAIRN_SHIPPER_STATE: join(dir, 'offsets.json') });
      const { ctx, sent } = context(() => ({ kind: 'ok', rejected: 0, message: '' }));
      const shipper = new LogShipper(config, ctx, new OffsetStore(config.stateFile), ctx.metrics, ctx.log);
      await assert.rejects(shipper.run(), /EISDIR/);
      assert.equal(sent.length, 1, 'one batch was delivered, then saving its position failed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
