// Records the ingester cannot insert (unknown format, not a JSON row) go to the dead-letter topic
// with the reason and source offset, and the good records around them are stored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Partitioners } from 'kafkajs';
import type { KafkaMessage } from 'kafkajs';
import { SPAN_ROW_FORMAT, encodeSpanRow } from '../../common/clickhouse/span-row.ts';
import { identifier, inList, qualified, sql } from '../../common/clickhouse/sql.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { DLQ_REASON_HEADER, DLQ_SOURCE_HEADER, FORMAT_HEADER } from '../../collector/kafka/headers.ts';
import { createKafka } from '../../collector/kafka/kafka-client.ts';
import { deadLetterTopic, signalTopic } from '../../collector/kafka/topics.ts';
import { waitForIngestDrained } from '../fixtures/ingest-drained.ts';
import { syntheticSpan } from '../support/synthetic-span.ts';
import { eventually, startPipeline } from './support/pipeline.ts';

void test('undecodable records are dead-lettered with their reason; the rest are stored', async () => {
  const p = await startPipeline('dlq');
  const kafka = createKafka(p.collectorConfig.kafka, createLogger('silent', 'test-dlq'));
  const consumer = kafka.consumer({ groupId: `${p.name}-dlq-reader` });
  try {
    const spans = Array.from({ length: 4 }, (_, i) => syntheticSpan(i, p.name));
    const good = (i: number): { key: string; value: string; headers: Record<string, string> } => {
      const span = spans[i] ?? assert.fail('no span');
      return { key: span.traceId, value: encodeSpanRow(span), headers: { [FORMAT_HEADER]: SPAN_ROW_FORMAT } };
    };
    const key = spans[0]?.traceId ?? '';
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    // Same key as the good ones: all land in one partition, bad records between good ones.
    await producer.send({
      topic: signalTopic(p.collectorConfig.kafka, 'traces').name,
      acks: -1,
      messages: [
        good(0),
        { key, value: 'this is not a row', headers: { [FORMAT_HEADER]: SPAN_ROW_FORMAT } },
        good(1),
        { key, value: encodeSpanRow(spans[2] ?? assert.fail('no span')), headers: { [FORMAT_HEADER]: 'spans.v999' } },
        { ...good(2), key },
        { ...good(3), key },
      ],
    });
    await producer.disconnect();

    await waitForIngestDrained(p, 60_000);
    const table = qualified(p.collectorConfig.clickhouse.target.database, identifier('spans', ['spans']));
    const [row] = await p.clickhouse.queryRows<{ n: string }>(
      sql`SELECT count() AS n FROM ${table} WHERE trace_id IN ${inList(spans.map((s) => s.traceId))}`,
    );
    assert.equal(row?.n, '4', 'the four good records are stored');

    const received: KafkaMessage[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: deadLetterTopic(p.collectorConfig.kafka, 'traces').name, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push(message);
        return Promise.resolve();
      },
    });
    await eventually('two dead letters', 30_000, async () => Promise.resolve(received.length >= 2 ? true : undefined));
    const reasons = received.map((m) => m.headers?.[DLQ_REASON_HEADER]?.toString()).sort();
    assert.deepEqual(reasons, ['decode', 'format']);
    const bad = received.find((m) => m.headers?.[DLQ_REASON_HEADER]?.toString() === 'decode');
    assert.ok(bad, 'the undecodable record was dead-lettered');
    assert.equal(bad.value?.toString(), 'this is not a row', 'the record is kept as it was');
    assert.match(bad.headers?.[DLQ_SOURCE_HEADER]?.toString() ?? '', new RegExp(`^${p.name}\\.spans/\\d+/1$`));
  } finally {
    await consumer.disconnect();
    await p.close();
  }
});
