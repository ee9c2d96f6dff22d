// Consumes one signal's topic and writes exact offset ranges into ClickHouse: plan committed,
// insert (synchronous through the Distributed tables, quorum of the shard's replicas), then
// offsets committed. Consumption of a partition waits while its insert fails, so Kafka holds it.
import { Partitioners } from 'kafkajs';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { identifier, qualified } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import type { Settings, SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { Logger } from '../../common/runtime/logger.ts';
import { sleep } from '../../common/runtime/retry.ts';
import type { CollectorConfig } from '../config.ts';
import { DLQ_REASON_HEADER, DLQ_SOURCE_HEADER, FORMAT_HEADER } from '../kafka/headers.ts';
import { deadLetterTopic, signalTopic } from '../kafka/topics.ts';
import { PartitionBuffer, formatPlan, parsePlan } from './batch-plan.ts';
import type { Chunk } from './batch-plan.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import { InsertRetry } from './insert-retry.ts';
import type { MemoryGate } from './memory-gate.ts';
import { checkRecord } from './record-check.ts';
import { rowsByTable } from '../signals/rows-by-table.ts';
import type { Signal, SignalName } from '../signals/signal.ts';

export interface SignalIngesterOptions {
  readonly signal: Signal;
  readonly kafka: Kafka;
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly groupId: string;
  readonly clickhouse: SqlRunner;
  readonly target: StorageTarget;
  readonly maxBatchRows: number;
  readonly insertQuorum: number;
  readonly insertTimeoutMs: number;
  /** Partitions written at once (kafkajs partitionsConsumedConcurrently). */
  readonly concurrency: number;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
  /** Shared by a process's ingesters: consumption waits while the process is over its budget. */
  readonly memory: MemoryGate;
  /** A fetch returns once it has this many bytes or has waited this long: the batch size knob. */
  readonly fetchMinBytes: number;
  readonly fetchWaitMs: number;
}

interface Buffered {
  readonly offset: bigint;
  readonly message: KafkaMessage;
}

// Insert retries never give up while the ingester runs: giving up would mean skipping data.
export class SignalIngester {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly dlq: Producer;
  private readonly log: Logger;
  private buffers = new Map<number, Promise<PartitionBuffer<Buffered>>>();
  private readonly insertSettings: Settings;
  private running = false;
  private readonly stopping = new AbortController();
  private starting: Promise<void> | null = null;
  private closed: Promise<void> | null = null;

  constructor(private readonly opts: SignalIngesterOptions) {
    this.log = opts.logger.child({ component: 'ingester', signal: opts.signal.name });
    this.consumer = opts.kafka.consumer({
      groupId: opts.groupId,
      // Bigger fetches make bigger inserts; ClickHouse prefers few large blocks.
      maxBytesPerPartition: 8 * 1024 * 1024,
      maxWaitTimeInMs: opts.fetchWaitMs,
      minBytes: opts.fetchMinBytes,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      // Short on purpose: kafkajs keeps retrying an offset commit against the broker it knew as
      // the group coordinator, even after that broker answers NOT_COORDINATOR (the coordinator
      // moves when __consumer_offsets leadership does). Only when the retries are spent does the
      // consumer rejoin and look the coordinator up again; with 8 retries up to 10 s apart that
      // stalled ingestion for about 90 s under load. These retries end within about 8 s.
      retry: { retries: 4, initialRetryTime: 300, maxRetryTime: 3000 },
    });
    this.admin = opts.kafka.admin();
    this.dlq = opts.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    this.insertSettings =
      opts.target.topology.kind === 'cluster'
        ? {
            insert_distributed_sync: 1,
            insert_quorum: opts.insertQuorum,
            insert_quorum_timeout: Math.max(1000, opts.insertTimeoutMs - 5000),
          }
        : {};
    // A new generation may have moved partitions: forget buffers, reload plans on first use.
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.buffers = new Map();
    });
  }

  get isRunning(): boolean {
    return this.running;
  }

  private stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /** Connects and starts consuming. Idempotent; does nothing once close() was called. */
  start(): Promise<void> {
    this.starting ??= this.connectAndRun();
    return this.starting;
  }

  private async connectAndRun(): Promise<void> {
    if (this.stopped()) return;
    await this.admin.connect();
    await this.dlq.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.opts.topic, fromBeginning: true });
    // close() waits for this start to settle before disconnecting, so a close that arrived
    // meanwhile still stops the consumer; checking here only avoids starting it for nothing.
    if (this.stopped()) return;
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.opts.concurrency,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.running = true;
  }

  /** Stops fetching, lets the batch in hand finish its commit, and disconnects. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.stopping.abort();
      // A start still connecting would otherwise finish after the disconnect and keep consuming.
      await this.starting?.catch(() => undefined);
      await this.consumer.disconnect();
      await Promise.allSettled([this.dlq.disconnect(), this.admin.disconnect()]);
      this.running = false;
    })();
    return this.closed;
  }

  private buffer(partition: number): Promise<PartitionBuffer<Buffered>> {
    let b = this.buffers.get(partition);
    if (b === undefined) {
      b = this.loadPlan(partition).then((plan) => new PartitionBuffer<Buffered>(plan));
      b.catch(() => this.buffers.delete(partition));
      this.buffers.set(partition, b);
    }
    return b;
  }

  private async loadPlan(partition: number): Promise<ReturnType<typeof parsePlan>> {
    const [topic] = await this.admin.fetchOffsets({ groupId: this.opts.groupId, topics: [this.opts.topic] });
    const p = topic?.partitions.find((x) => x.partition === partition);
    if (p === undefined || p.offset === '-1') return null;
    const plan = parsePlan(p.metadata, BigInt(p.offset));
    if (plan !== null) this.log.info({ partition, plan: formatPlan(plan) }, 'resuming a planned batch');
    return plan;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const heartbeat = (): Promise<void> => payload.heartbeat();
    const active = (): boolean => payload.isRunning() && !payload.isStale() && !this.stopping.signal.aborted;
    const partition = batch.partition;
    if (await this.opts.memory.pass(active, heartbeat, this.stopping.signal)) {
      this.log.info({ partition }, 'resumed after waiting for memory to drop under CAIRN_INGEST_MAX_RSS_BYTES');
    }
    const buffer = await this.buffer(partition);
    buffer.add(batch.messages.map((message) => ({ offset: BigInt(message.offset), message })));
    const lastFetched = batch.lastOffset();
    payload.resolveOffset(lastFetched);
    for (let chunk = buffer.next(this.opts.maxBatchRows); chunk !== null; chunk = buffer.next(this.opts.maxBatchRows)) {
      if (!active()) return;
      if (!chunk.replay) {
        await this.commit(partition, chunk.plan.start, formatPlan(chunk.plan));
        buffer.pin(chunk.plan);
      }
      await this.write(partition, chunk, heartbeat, active);
      await this.commit(partition, chunk.plan.end + 1n, '');
      buffer.done(chunk);
      this.opts.metrics.batches.inc({ signal: this.opts.signal.name, kind: chunk.replay ? 'replay' : 'new' });
      await heartbeat();
    }
    const lag = BigInt(batch.highWatermark) - BigInt(lastFetched) - 1n + BigInt(buffer.size);
    this.opts.metrics.lag.set({ topic: this.opts.topic, partition: String(partition) }, Number(lag < 0n ? 0n : lag));
  }

  private async commit(partition: number, offset: bigint, metadata: string): Promise<void> {
    await this.consumer.commitOffsets([{ topic: this.opts.topic, partition, offset: offset.toString(), metadata }]);
  }

  private async write(partition: number, chunk: Chunk<Buffered>, heartbeat: () => Promise<void>, active: () => boolean): Promise<void> {
    const rows: Array<{ format: string; line: string }> = [];
    const poison: Array<{ message: KafkaMessage; reason: string }> = [];
    for (const { message } of chunk.messages) {
      const verdict = checkRecord(this.opts.signal, message.value, message.headers?.[FORMAT_HEADER]?.toString());
      if (verdict.ok) for (const line of verdict.lines) rows.push({ format: verdict.format, line });
      else poison.push({ message, reason: verdict.reason });
    }
    if (poison.length > 0) await this.deadLetter(partition, poison);
    // Same offset range -> same rows in the same order -> the same bytes on every attempt. Tables
    // are written in a fixed order; after a crash between two of them the replay repeats both,
    // and ClickHouse drops the one it already has.
    for (const [table, lines] of rowsByTable(this.opts.signal, rows)) {
      const name = qualified(this.opts.target.database, identifier(table.name, [table.name]));
      await this.insertWithRetry(partition, chunk, name, lines, heartbeat, active);
    }
  }

  private async insertWithRetry(
    partition: number,
    chunk: Chunk<Buffered>,
    table: SqlFragment,
    lines: readonly string[],
    heartbeat: () => Promise<void>,
    active: () => boolean,
  ): Promise<void> {
    const signal = this.opts.signal.name;
    const body = lines.join('\n') + '\n';
    const retry = new InsertRetry();
    for (let attempt = 0; ; attempt++) {
      const stop = this.opts.metrics.insertSeconds.startTimer({ signal });
      try {
        await this.opts.clickhouse.insertJsonEachRow(table, body, { settings: this.insertSettings, timeoutMs: this.opts.insertTimeoutMs });
        stop();
        this.opts.metrics.rows.inc({ signal }, lines.length);
        return;
      } catch (err) {
        this.opts.metrics.insertFailures.inc({ signal });
        const { kind, delayMs: delay, level } = retry.failed(err);
        this.log[level]({ err, kind, partition, table: table.text, plan: formatPlan(chunk.plan), attempt, delayMs: delay }, 'insert failed; Kafka keeps the batch, retrying');
        if (!active()) throw new Error('ingester stopped or partition revoked while its insert was failing', { cause: err });
        await sleep(delay, this.stopping.signal);
        await heartbeat();
      }
    }
  }

  private async deadLetter(partition: number, poison: ReadonlyArray<{ message: KafkaMessage; reason: string }>): Promise<void> {
    await this.dlq.send({
      topic: this.opts.deadLetterTopic,
      acks: -1,
      messages: poison.map(({ message, reason }) => ({
        key: message.key,
        value: message.value,
        headers: {
          [DLQ_REASON_HEADER]: reason,
          [DLQ_SOURCE_HEADER]: `${this.opts.topic}/${partition}/${message.offset}`,
        },
      })),
    });
    for (const { reason } of poison) this.opts.metrics.deadLetters.inc({ signal: this.opts.signal.name, reason });
    this.log.warn({ partition, count: poison.length }, 'records sent to the dead-letter topic');
  }
}

/** The ingester a collector config describes for one signal, over the given clients. */
export function ingesterFor(
  config: CollectorConfig,
  signal: Signal,
  deps: {
    readonly kafka: Kafka;
    readonly clickhouse: SqlRunner;
    readonly metrics: IngestMetrics;
    readonly logger: Logger;
    readonly memory: MemoryGate;
  },
  overrides: Partial<Pick<SignalIngesterOptions, 'maxBatchRows'>> = {},
): SignalIngester {
  return new SignalIngester({
    ...deps,
    signal,
    topic: signalTopic(config.kafka, signal.name).name,
    deadLetterTopic: deadLetterTopic(config.kafka, signal.name).name,
    groupId: ingestGroupId(config, signal.name),
    target: config.clickhouse.target,
    maxBatchRows: overrides.maxBatchRows ?? config.ingest.maxBatchRows,
    insertQuorum: config.ingest.insertQuorum,
    insertTimeoutMs: config.ingest.insertTimeoutMs,
    concurrency: config.ingest.concurrency,
    fetchMinBytes: config.ingest.fetchMinBytes,
    fetchWaitMs: config.ingest.fetchWaitMs,
  });
}

/** Consumer group of a signal's ingesters. */
export function ingestGroupId(config: CollectorConfig, signal: SignalName): string {
  return `${config.ingest.groupPrefix}-${signal}`;
}
