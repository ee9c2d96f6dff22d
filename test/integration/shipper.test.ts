// The log shipper against a real collector process (`cairn start`, which acknowledges after the
// insert) over real HTTP, while the followed file is written and rotated: the collector is killed
// (-9) and restarted, and the shipper is stopped and restarted from its saved positions, once with
// a rotation in between. Every written line must be stored; lines are repeated only around the
// collector kill (a batch it inserted but could not acknowledge), never across the shipper's own
// graceful restart.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import { Shipper } from '../../agents/shipper/shipper.ts';
import { readShipperConfig } from '../../agents/shipper/shipper-config.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { embeddedEnv, startEmbedded } from './support/embedded-process.ts';
import { eventually } from './support/pipeline.ts';

const dir = mkdtempSync(join(tmpdir(), 'cairn-shipper-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

void test('every line is shipped across a collector kill -9, rotations and a graceful shipper restart', async () => {
  const env = await embeddedEnv(join(dir, 'data'));
  const logFile = join(dir, 'app.log');
  const service = `shipper-test-${Date.now()}`;
  const shipperEnv = {
    CAIRN_SHIPPER_FILES: logFile,
    CAIRN_SHIPPER_STATE: join(dir, 'offsets.json'),
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${env.CAIRN_OTLP_HTTP_PORT}`,
    OTEL_SERVICE_NAME: service,
    CAIRN_SHIPPER_BATCH_LINES: '25',
    CAIRN_SHIPPER_POLL_MS: '50',
    CAIRN_SHIPPER_MAX_RETRY_DELAY_MS: '500',
    CAIRN_SHIPPER_ROTATE_WAIT_MS: '200',
  };
  const logger = createLogger(process.env['CAIRN_TEST_LOG_LEVEL'] ?? 'silent', 'test-shipper');
  let seq = 0;
  const write = async (lines: number, pauseMs = 5): Promise<void> => {
    for (let i = 0; i < lines; i++) {
      appendFileSync(logFile, `${JSON.stringify({ level: 30, time: Date.now(), msg: `line ${seq}`, seq })}\n`);
      seq += 1;
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  const rotate = (): void => {
    renameSync(logFile, `${logFile}.1`);
  };
  /** Lines written after this one are expected exactly once (no collector kill after it). */
  let exactFrom = 0;

  let collector = await startEmbedded(env);
  let shipper = new Shipper(readShipperConfig(shipperEnv), logger, new Registry());
  let running = shipper.run();
  try {
    await write(100);
    rotate();
    await write(50);
    // The collector dies while lines keep coming; the shipper retries until it is back.
    await collector.kill9();
    await write(60);
    rotate();
    await write(40);
    collector = await startEmbedded(env);
    await eventually('the backlog to drain', 60_000, () => Promise.resolve(shipper.shippedLines >= seq ? true : undefined)).catch((err: unknown) => {
      throw new Error(`shipped ${shipper.shippedLines} of ${seq}`, { cause: err });
    });
    exactFrom = seq;
    // A graceful shipper restart, with a rotation while it is stopped.
    await write(30);
    await shipper.close();
    await running;
    await write(20);
    rotate();
    await write(30);
    shipper = new Shipper(readShipperConfig(shipperEnv), logger, new Registry());
    running = shipper.run();
    await write(70);

    const query = `http://127.0.0.1:${env.CAIRN_QUERY_PORT}`;
    const counts = await eventually(`all ${seq} lines in Cairn`, 60_000, async () => {
      const res = await fetch(`${query}/api/v1/logs?service=${service}&limit=1000&start=now-1h`);
      const body = (await res.json()) as { logs: { body: { stringValue?: string } }[] };
      const perSeq = new Map<number, number>();
      for (const l of body.logs) {
        const n = Number(/^line (\d+)$/.exec(l.body.stringValue ?? '')?.[1]);
        perSeq.set(n, (perSeq.get(n) ?? 0) + 1);
      }
      return perSeq.size === seq ? perSeq : undefined;
    });
    for (let n = 0; n < seq; n++) assert.ok((counts.get(n) ?? 0) >= 1, `line ${n} is stored`);
    const repeatedLate = [...counts].filter(([n, c]) => n >= exactFrom && c > 1).map(([n]) => n);
    assert.deepEqual(repeatedLate, [], 'no line repeats across the shipper restart');
    const repeatedEarly = [...counts].filter(([, c]) => c > 1).length;
    assert.ok(repeatedEarly <= 25, `at most one batch repeated around the collector kill (got ${repeatedEarly})`);
  } finally {
    await shipper.close();
    await running;
    await collector.kill9();
  }
});
