// Group commit: requests queued behind an in-flight produce go out together, each caller learns
// the fate of the produce that carried its messages, a partition's share of one flush stays under
// the byte limit, and a request abandoned while queued is never sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TopicMessages } from 'kafkajs';
import { ProduceCoalescer } from '../../collector/receiver/produce-coalescer.ts';

interface Flush {
  readonly batch: TopicMessages[];
  readonly settle: (err?: Error) => void;
}

/** A sendBatch whose produces the test acknowledges or fails by hand. */
function manualBroker(): { flushes: Flush[]; send: (batch: TopicMessages[]) => Promise<void> } {
  const flushes: Flush[] = [];
  return {
    flushes,
    send: (batch) =>
      new Promise<void>((resolve, reject) => {
        flushes.push({ batch, settle: (err) => {
          if (err === undefined) resolve();
          else reject(err);
        } });
      }),
  };
}

const msg = (partition: number, value: string) => ({ partition, value });
const values = (f: Flush | undefined) => f?.batch.flatMap((t) => t.messages.map((m) => `${t.topic}/${String(m.value)}`));
const tick = () => new Promise((r) => setImmediate(r));

void test('requests arriving during a produce are sent together, in order, as the next flush', async () => {
  const broker = manualBroker();
  const c = new ProduceCoalescer(broker.send, 1000);
  const first = c.send('t', [msg(0, 'a')]);
  const second = c.send('t', [msg(1, 'b')]);
  const third = c.send('u', [msg(0, 'c')]);
  await tick();
  assert.equal(broker.flushes.length, 1);
  assert.deepEqual(values(broker.flushes[0]), ['t/a']);
  broker.flushes[0]?.settle();
  await first.done;
  await tick();
  assert.equal(broker.flushes.length, 2);
  assert.deepEqual(values(broker.flushes[1]), ['t/b', 'u/c']);
  broker.flushes[1]?.settle();
  await Promise.all([second.done, third.done]);
  assert.equal(c.queued, 0);
});

void test('a failed produce rejects exactly the callers whose messages it carried', async () => {
  const broker = manualBroker();
  const c = new ProduceCoalescer(broker.send, 1000);
  const first = c.send('t', [msg(0, 'a')]);
  const second = c.send('t', [msg(0, 'b')]);
  await tick();
  broker.flushes[0]?.settle(new Error('leader gone'));
  await assert.rejects(first.done, /leader gone/);
  await tick();
  broker.flushes[1]?.settle();
  await second.done;
});

void test('one flush keeps each partition under the limit; an oversized request still goes alone', async () => {
  const broker = manualBroker();
  const c = new ProduceCoalescer(broker.send, 10);
  const blocker = c.send('t', [msg(9, 'x')]);
  const big = c.send('t', [msg(1, 'y'.repeat(25))]);
  const a = c.send('t', [msg(1, '123456')]);
  const b = c.send('t', [msg(2, '123456')]);
  const d = c.send('t', [msg(1, '7890')]);
  const e = c.send('t', [msg(1, '1')]);
  await tick();
  broker.flushes[0]?.settle();
  await blocker.done;
  await tick();
  // The oversized request is taken (first in line) and alone: the next one shares its partition.
  assert.deepEqual(values(broker.flushes[1]), [`t/${'y'.repeat(25)}`]);
  broker.flushes[1]?.settle();
  await big.done;
  await tick();
  // Partition 1 gets 6 + 4 = 10 characters; the next '1' would exceed the limit.
  assert.deepEqual(values(broker.flushes[2]), ['t/123456', 't/123456', 't/7890']);
  broker.flushes[2]?.settle();
  await Promise.all([a.done, b.done, d.done]);
  await tick();
  assert.deepEqual(values(broker.flushes[3]), ['t/1']);
  broker.flushes[3]?.settle();
  await e.done;
});

void test('a request abandoned while queued is not sent', async () => {
  const broker = manualBroker();
  const c = new ProduceCoalescer(broker.send, 1000);
  const first = c.send('t', [msg(0, 'a')]);
  const gaveUp = c.send('t', [msg(0, 'late')]);
  const kept = c.send('t', [msg(0, 'b')]);
  gaveUp.abandon();
  await tick();
  broker.flushes[0]?.settle();
  await first.done;
  await tick();
  assert.deepEqual(values(broker.flushes[1]), ['t/b']);
  broker.flushes[1]?.settle();
  await kept.done;
  assert.equal(broker.flushes.length, 2);
});
