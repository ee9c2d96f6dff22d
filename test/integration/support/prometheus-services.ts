// Cairn's distributed roles as real child processes for the Prometheus test: a query replica (which
// leads and applies the schema), a receiver and a lone ingester, each `node bin/cairn.js ...` with
// the stack's endpoints, its own database and topics, and its own ports. close() stops them and
// removes the database, the topics and the election tree.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { readCollectorConfig } from '../../../collector/config.ts';
import { createClickHouse, defaultClickHouseRetry } from '../../../common/clickhouse/client.ts';
import { dropDatabase } from '../../../common/clickhouse/ddl.ts';
import { createLogger } from '../../../common/runtime/logger.ts';
import { REPO_ROOT } from '../../../deploy/local/paths.ts';
import { readQueryConfig } from '../../../query/config.ts';
import { freePort } from '../../../deploy/local/free-port.ts';
import { deleteTopics, eventually, removeElection } from './pipeline.ts';
import { isolatedEnv, stackEndpoints, uniqueName } from './stack-env.ts';
import { OutputTail } from '../../support/output-tail.ts';


export class CairnProcess {
  private readonly tail: OutputTail;
  private readonly exited: Promise<void>;
  // A test the runner gives up on may never reach its finally block: no orphan survives this process.
  private readonly onExit = (): void => {
    this.child.kill('SIGKILL');
  };

  constructor(
    readonly role: string,
    private readonly child: ChildProcess,
    /** Where /healthz, /readyz and /metrics are served. */
    readonly url: string,
  ) {
    this.tail = new OutputTail(child);
    this.exited = new Promise((resolve) => child.once('exit', () => { resolve(); }));
    process.once('exit', this.onExit);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitReady(timeoutMs: number): Promise<void> {
    try {
      await eventually(`${this.role} /readyz`, timeoutMs, async () => {
        if (!this.alive) throw new Error(`${this.role} exited`);
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        return res.status === 200 ? true : undefined;
      });
    } catch (err) {
      throw new Error(`${this.role} not ready; its last log lines:\n${this.tail.text()}`, { cause: err });
    }
  }

  /** SIGTERM (the services stop within 25 s), SIGKILL after 35 s. */
  async stop(): Promise<void> {
    process.off('exit', this.onExit);
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 35_000);
    await this.exited;
    clearTimeout(timer);
  }
}

function spawnCairn(role: string, args: readonly string[], env: Record<string, string>, url: string): CairnProcess {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'cairn.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new CairnProcess(role, child, url);
}

export interface CairnServices {
  readonly env: Record<string, string>;
  readonly query: CairnProcess;
  readonly receiver: CairnProcess;
  readonly ingester: CairnProcess;
  close(): Promise<void>;
}

export async function startCairnServices(prefix: string): Promise<CairnServices> {
  const name = uniqueName(prefix);
  const env = isolatedEnv(name, { CAIRN_ZOOKEEPER: stackEndpoints().zookeeper });
  const [queryPort, otlpPort, grpcPort, ingesterPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const url = (port: number): string => `http://127.0.0.1:${port}`;
  const processes: CairnProcess[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.stop()));
    const logger = createLogger('silent', 'test-prometheus-services');
    const queryConfig = readQueryConfig(env);
    await removeElection(queryConfig);
    const ch = createClickHouse({ endpoint: queryConfig.clickhouse.endpoint, requestTimeoutMs: 120_000, retry: defaultClickHouseRetry, logger });
    try {
      await ch.command(dropDatabase(queryConfig.clickhouse.target), { timeoutMs: 120_000 });
    } finally {
      await ch.close();
    }
    await deleteTopics(readCollectorConfig(env, 'receiver'), name, logger);
  };
  try {
    // The query replica first: it is elected and applies the schema the ingester waits for.
    const query = spawnCairn('query', ['query'], { ...env, CAIRN_QUERY_PORT: String(queryPort) }, url(queryPort));
    processes.push(query);
    const receiver = spawnCairn('receiver', ['collector', '--role', 'receiver'], { ...env, CAIRN_OTLP_HTTP_PORT: String(otlpPort), CAIRN_OTLP_GRPC_PORT: String(grpcPort) }, url(otlpPort));
    processes.push(receiver);
    const ingester = spawnCairn('ingester', ['collector', '--role', 'ingester'], { ...env, CAIRN_INGESTER_HTTP_PORT: String(ingesterPort) }, url(ingesterPort));
    processes.push(ingester);
    // Generous: three TypeScript processes start on two cores shared with the stack and other tests.
    await Promise.all([query.waitReady(180_000), receiver.waitReady(180_000), ingester.waitReady(180_000)]);
    return { env, query, receiver, ingester, close };
  } catch (err) {
    // Clean up, but report why the start failed rather than a clean-up error.
    await close().catch(() => undefined);
    throw err;
  }
}
