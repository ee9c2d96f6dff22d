// The collector creates its topics with the durability the guarantees rest on (RF 3,
// min.insync.replicas 2, 6 spans partitions), and every role serves /healthz, /readyz, /metrics.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { createLogger } from '../../common/runtime/logger.ts';
import { createKafka } from '../../collector/kafka/kafka-client.ts';
import { signalTopic } from '../../collector/kafka/topics.ts';
import { eventually, startCollector, startPipeline } from './support/pipeline.ts';

// kafkajs is CommonJS; its enums are reachable through the default export only.
const { ConfigResourceTypes } = kafkajs;

void test('topics are created with RF 3, min.insync.replicas 2 and 6 spans partitions; every role serves its ops endpoints', async () => {
  const p = await startPipeline('ops');
  const ingester = await startCollector(p.env, 'ingester');
  try {
    const kafka = createKafka(p.collectorConfig.kafka, createLogger('silent', 'test-ops'));
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topic = signalTopic(p.collectorConfig.kafka, 'traces').name;
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = meta.topics[0]?.partitions ?? [];
      assert.equal(partitions.length, 6);
      for (const part of partitions) assert.equal(part.replicas.length, 3, `partition ${part.partitionId} has 3 replicas`);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas'] }],
      });
      assert.equal(configs.resources[0]?.configEntries[0]?.configValue, '2');
    } finally {
      await admin.disconnect();
    }

    for (const [role, url] of [['receiver+ingester', p.otlpUrl], ['ingester', ingester.url], ['query', p.queryUrl]] as const) {
      assert.equal((await fetch(`${url}/healthz`)).status, 200, `${role} /healthz`);
      await eventually(`${role} ready`, 30_000, async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined));
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, /^cairn_process_cpu_user_seconds_total/m, `${role} /metrics`);
    }
    const receiverMetrics = await (await fetch(`${p.otlpUrl}/metrics`)).text();
    assert.match(receiverMetrics, /^# TYPE cairn_receiver_items_total counter/m);
    assert.match(receiverMetrics, /^# TYPE cairn_ingest_insert_seconds histogram/m);
    assert.match(await (await fetch(`${p.queryUrl}/metrics`)).text(), /^# TYPE cairn_query_request_seconds histogram/m);
  } finally {
    await ingester.app.close();
    await p.close();
  }
});
