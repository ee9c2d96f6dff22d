// `npm run bench`: two suites. ingest: sustained OTLP/HTTP protobuf load against a receiver and an
// ingester started as child processes on the local stack, with a database, topics and consumer
// groups of the run's own; prints throughput, CPU cost, exact loss/duplication, ack-to-queryable
// latency and storage footprint, then removes what it created. query: latency of the query API
// over 10 million spans and logs (bench/query). `--suite` picks one; both run by default.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClickHouse, defaultClickHouseRetry } from '../common/clickhouse/client.ts';
import { migrate } from '../common/clickhouse/migrations.ts';
import { createLogger } from '../common/runtime/logger.ts';
import { readCollectorConfig } from '../collector/config.ts';
import { ingestGroupId } from '../collector/ingest/signal-ingester.ts';
import { createKafka } from '../collector/kafka/kafka-client.ts';
import { signalTopic } from '../collector/kafka/topics.ts';
import { account } from './accounting.ts';
import { templatePool } from './bodies.ts';
import { cleanupRun } from './cleanup.ts';
import { ServiceProcess } from './service-process.ts';
import { ingestPosition, waitDrained } from './ingest-progress.ts';
import type { GroupTopic } from './ingest-progress.ts';
import { LatencySampler } from './latency-sampler.ts';
import { LoadGenerator } from './load-generator.ts';
import { BenchUsageError, USAGE, parseOptions } from './options.ts';
import type { BenchOptions } from './options.ts';
import { runQueryBench } from './query/query-bench.ts';
import { busyFraction, cpuByGroup, cpuDelta, machineCpu, processCpuSeconds } from './process-cpu.ts';
import { newestProfile, summarizeProfile } from './profile-summary.ts';
import type { ProfileSummary } from './profile-summary.ts';
import { ProgressLine } from './progress.ts';
import { renderReport } from './report.ts';
import type { SignalResult } from './report.ts';
import { storageFootprint } from './storage-footprint.ts';
import { collectorEnv, readStackEndpoints, runNames } from './stack-env.ts';
import { freePort } from '../deploy/local/free-port.ts';

const ROOT = process.cwd();
const OUT_DIR = path.join(ROOT, '.cairn', 'bench');
const TEMPLATES_PER_SIGNAL = 32;
const PROGRESS_MS = 5000;

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  if (opts.suite !== 'query') await ingestBench(opts);
  if (opts.suite !== 'ingest') await runQueryBench(opts.query, ROOT);
}

async function ingestBench(opts: BenchOptions): Promise<void> {
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  const endpoints = readStackEndpoints(path.join(ROOT, '.cairn', 'stack', 'endpoints.json'));
  const runId = randomBytes(4).toString('hex');
  const names = runNames(runId);
  const ports = { otlpHttp: await freePort(), otlpGrpc: await freePort(), ingesterHttp: await freePort() };
  const env = collectorEnv(process.env, endpoints, runId, ports);
  const config = readCollectorConfig(env, 'ingester');
  const logger = createLogger('warn', 'bench');
  const profileDir = (role: string): string | undefined => (opts.profile ? path.join(OUT_DIR, 'profiles', runId, role) : undefined);
  mkdirSync(path.join(OUT_DIR, 'logs'), { recursive: true });
  for (const role of ['receiver', 'ingester']) {
    const dir = profileDir(role);
    if (dir !== undefined) mkdirSync(dir, { recursive: true });
  }

  console.log(`bench ${runId}: ${opts.signals.join('+')} for ${opts.durationS} s, ${opts.concurrency} requests in flight per signal, ${opts.itemsPerRequest} items per request, rate ${opts.rate === undefined ? 'unpaced' : `${opts.rate}/s`}`);
  const pools = opts.signals.map((s) => templatePool(s, TEMPLATES_PER_SIGNAL, opts.itemsPerRequest));
  console.log(`encoded ${TEMPLATES_PER_SIGNAL} bodies per signal (${pools.map((p) => `${p[0]?.bytes.length ?? 0} B`).join(', ')}); database ${names.database}, topics ${names.topicPrefix}*`);

  const start = (role: 'receiver' | 'ingester', readyPort: number): ServiceProcess =>
    new ServiceProcess({ role, env, readyPort, logFile: path.join(OUT_DIR, 'logs', `${runId}-${role}.log`), cpuProfileDir: profileDir(role) });
  const receiver = start('receiver', ports.otlpHttp);
  const ingester = start('ingester', ports.ingesterHttp);
  const ch = createClickHouse({ endpoint: config.clickhouse.endpoint, requestTimeoutMs: 60_000, retry: defaultClickHouseRetry, logger });
  const admin = createKafka(config.kafka, logger).admin();
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    console.log('interrupted: stopping the load, then cleaning up');
  };
  process.on('SIGINT', onSigint);
  try {
    // In a deployment the query service's leader applies the schema; the ingester waits for it.
    // The bench runs no query service, so it applies the schema itself, as that leader would.
    console.log('applying the schema');
    await migrate(ch, config.clickhouse.target, { epoch: 0n, member: `bench-${runId}` });
    await Promise.all([receiver.waitReady(120_000), ingester.waitReady(120_000)]);
    await admin.connect();
    const groups: GroupTopic[] = opts.signals.map((s) => ({ groupId: ingestGroupId(config, s), topic: signalTopic(config.kafka, s).name }));
    const named = new Map([[receiver.pid, 'cairn receiver'], [ingester.pid, 'cairn ingester'], [process.pid, 'bench (this process)']]);

    const generators = opts.signals.map(
      (signal, i) =>
        new LoadGenerator({
          signal,
          port: ports.otlpHttp,
          templates: pools[i] ?? [],
          runNonce: randomBytes(8),
          runTag: 0xbe00 + i,
          concurrency: opts.concurrency,
          rate: opts.rate === undefined ? undefined : opts.rate / opts.signals.length,
        }),
    );
    const samplers = opts.signals.map((s) => new LatencySampler(s, ports.otlpHttp, ch, names.database));

    const t0 = performance.now();
    const cpu0 = { receiver: processCpuSeconds(receiver.pid) ?? 0, ingester: processCpuSeconds(ingester.pid) ?? 0, bench: process.cpuUsage() };
    const machine0 = machineCpu();
    const groups0 = cpuByGroup(named);
    const loadAvgBefore = loadavg();
    const endAt = Date.now() + opts.durationS * 1000;
    const loadEnd = (): number => (interrupted ? 0 : endAt);

    const progress = new ProgressLine(t0, generators, [receiver.pid, ingester.pid]);
    const load = { done: false };
    // Ends at the first tick after the load; the last line then covers the load's tail.
    const reporting = (async (): Promise<void> => {
      while (!load.done) {
        await sleep(PROGRESS_MS);
        const lag = await Promise.all(groups.map((g) => ingestPosition(admin, g))).then(
          (ps) => ps.reduce((a, p) => a + p.lag, 0),
          () => undefined,
        );
        console.log(progress.render(lag));
      }
    })();
    const sampling = samplers.map((s) => s.run(loadEnd));
    await Promise.all(generators.map((g) => g.run(loadEnd)));
    load.done = true;
    const loadSeconds = (performance.now() - t0) / 1000;
    const receiverCpuS = (processCpuSeconds(receiver.pid) ?? 0) - cpu0.receiver;
    const machineBusy = busyFraction(machine0, machineCpu());
    const byGroup = cpuDelta(groups0, cpuByGroup(named));
    const loadAvgAfter = loadavg();
    const atLoadEnd = await Promise.all(groups.map((g) => ingestPosition(admin, g)));
    await Promise.all([...sampling, reporting]);

    console.log(`load done after ${loadSeconds.toFixed(1)} s; waiting for the ingester to commit everything`);
    let lastDrainLine = 0;
    const drained = await waitDrained(admin, groups, Date.now() + Math.max(120_000, opts.durationS * 2000), (lag) => {
      if (Date.now() - lastDrainLine < PROGRESS_MS) return;
      lastDrainLine = Date.now();
      console.log(`  draining: lag ${lag}`);
    });
    const endToEndSeconds = (performance.now() - t0) / 1000;
    const ingesterCpuS = (processCpuSeconds(ingester.pid) ?? 0) - cpu0.ingester;
    const bench = process.cpuUsage(cpu0.bench);
    const latencies = await Promise.all(samplers.map((s) => s.finish(Date.now() + 30_000)));

    const signals: SignalResult[] = [];
    for (const [i, signal] of opts.signals.entries()) {
      const load = generators[i]?.stats;
      const latency = latencies[i];
      if (load === undefined || latency === undefined) continue;
      signals.push({ signal, load, accounting: await account(ch, names.database, signal, load.acked), latency });
    }
    const footprint = await storageFootprint(endpoints.clickhouseHttp, names.database, logger);
    await Promise.all([receiver.stop(), ingester.stop()]);
    const profiles: ProfileSummary[] = [];
    for (const role of ['receiver', 'ingester']) {
      const dir = profileDir(role);
      const file = dir === undefined ? undefined : newestProfile(dir);
      if (file !== undefined) profiles.push(summarizeProfile(file, ROOT, 15));
    }
    const result = {
      command,
      loadSeconds,
      endToEndSeconds,
      drained,
      ingestedDuringLoad: atLoadEnd.reduce((a, p) => a + p.produced - p.lag, 0),
      signals,
      cpu: { receiverS: receiverCpuS, ingesterS: ingesterCpuS, benchS: (bench.user + bench.system) / 1e6 },
      machine: { cores: cpus().length, loadAvgBefore, loadAvgAfter, busyDuringLoad: machineBusy, cpuByGroup: byGroup },
      footprint,
      profiles,
    };
    console.log(renderReport(result));
    const jsonFile = path.join(OUT_DIR, `${new Date().toISOString().replaceAll(':', '-')}-${runId}.json`);
    writeFileSync(jsonFile, JSON.stringify(result, jsonReplacer, 2));
    console.log(`\nresult also written to ${path.relative(ROOT, jsonFile)}`);
  } finally {
    process.off('SIGINT', onSigint);
    await Promise.all([receiver.stop(), ingester.stop()]);
    const problems = await cleanupRun(ch, config.clickhouse.target, admin, names.topicPrefix, names.groupPrefix);
    for (const p of problems) console.error(`cleanup: ${p}`);
    await admin.disconnect();
    await ch.close();
  }
}

/** Maps become objects; per-request bookkeeping is left out of the saved result. */
function jsonReplacer(key: string, value: unknown): unknown {
  if (key === 'acked' || key === 'ackMs') return undefined;
  return value instanceof Map ? Object.fromEntries(value) : value;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof BenchUsageError) {
      console.error(`bench: ${err.message}`);
      process.exit(2);
    }
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  },
);
