// The fault suite's pipeline: an in-process receiver (startCollector 'receiver') and the ingester
// as a separate process that scenarios may kill, over one database and topic set of their own.
import type { Admin } from 'kafkajs';
import { createClickHouse, defaultClickHouseRetry } from '../../../common/clickhouse/client.ts';
import { dropDatabase } from '../../../common/clickhouse/ddl.ts';
import type { SqlRunner } from '../../../common/clickhouse/sql-runner.ts';
import { createLogger } from '../../../common/runtime/logger.ts';
import type { CollectorConfig } from '../../../collector/config.ts';
import { ingestGroupId } from '../../../collector/ingest/signal-ingester.ts';
import { createKafka } from '../../../collector/kafka/kafka-client.ts';
import { signalTopic } from '../../../collector/kafka/topics.ts';
import type { SignalName } from '../../../collector/signals/signal.ts';
import { IngesterProcess } from './fault-ingester.ts';
import { startCollector } from './pipeline.ts';
import type { RunningCollector } from './pipeline.ts';
import { isolatedEnv, uniqueName } from './stack-env.ts';

const SIGNALS: readonly SignalName[] = ['traces', 'logs', 'metrics'];
/** Rebalancing waits out a killed member's 30 s session; start-up also applies the schema. */
export const INGESTER_READY_MS = 120_000;

export class FaultRig {
  private ingesterProcess: IngesterProcess | null = null;
  private readonly retired: IngesterProcess[] = [];

  private constructor(
    readonly name: string,
    readonly env: Readonly<Record<string, string>>,
    private readonly receiver: RunningCollector,
    readonly clickhouse: SqlRunner,
    readonly admin: Admin,
  ) {}

  static async start(prefix: string): Promise<FaultRig> {
    const name = uniqueName(prefix);
    // The faults make the receiver's Kafka client log a lot; CAIRN_TEST_LOG_LEVEL brings it back.
    const env = isolatedEnv(name, { CAIRN_LOG_LEVEL: process.env['CAIRN_TEST_LOG_LEVEL'] ?? 'fatal' });
    const receiver = await startCollector(env, 'receiver');
    const logger = createLogger('silent', 'test-fault-rig');
    const clickhouse = createClickHouse({ endpoint: receiver.config.clickhouse.endpoint, requestTimeoutMs: 120_000, retry: defaultClickHouseRetry, logger });
    const admin = createKafka(receiver.config.kafka, logger).admin();
    await admin.connect();
    const rig = new FaultRig(name, env, receiver, clickhouse, admin);
    await rig.startIngester();
    return rig;
  }

  get config(): CollectorConfig {
    return this.receiver.config;
  }

  get otlpUrl(): string {
    return this.receiver.url;
  }

  get spansTopic(): string {
    return signalTopic(this.config.kafka, 'traces').name;
  }

  get spansGroup(): string {
    return ingestGroupId(this.config, 'traces');
  }

  get ingester(): IngesterProcess {
    if (this.ingesterProcess === null) throw new Error('no ingester running');
    return this.ingesterProcess;
  }

  /** Spawns a fresh ingester process; at info level, so plan resumptions can be counted. */
  async startIngester(): Promise<IngesterProcess> {
    if (this.ingesterProcess?.alive === true) throw new Error('an ingester is already running');
    if (this.ingesterProcess !== null) this.retired.push(this.ingesterProcess);
    this.ingesterProcess = await IngesterProcess.spawn({ ...this.env, CAIRN_LOG_LEVEL: process.env['CAIRN_TEST_LOG_LEVEL'] ?? 'info' });
    return this.ingesterProcess;
  }

  /** kill -9 the ingester and start its successor at once (as a supervisor would). */
  async killAndRestartIngester(): Promise<IngesterProcess> {
    await this.ingester.kill();
    return this.startIngester();
  }

  /** Planned batches replayed by successors, over every ingester process this rig ran. */
  planResumes(): number {
    return [...this.retired, ...(this.ingesterProcess === null ? [] : [this.ingesterProcess])].reduce((n, p) => n + p.planResumes, 0);
  }

  async close(): Promise<void> {
    await this.ingesterProcess?.stop();
    await this.receiver.app.close();
    try {
      await this.clickhouse.command(dropDatabase(this.config.clickhouse.target), { timeoutMs: 120_000 });
      const topics = (await this.admin.listTopics()).filter((t) => t.startsWith(`${this.name}.`));
      if (topics.length > 0) await this.admin.deleteTopics({ topics });
      await this.admin.deleteGroups(SIGNALS.map((s) => ingestGroupId(this.config, s))).catch(() => undefined);
    } finally {
      await this.clickhouse.close();
      await this.admin.disconnect();
    }
  }
}
