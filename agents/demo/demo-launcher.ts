// Starts the demo shop (payments, then frontend) as child processes instrumented by the Node
// agent, pointed at a Cairn receiver. Their own logs reach Cairn through the agent; only what
// they print on stderr (agent warnings, crashes) is passed through to this process's stderr.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const APP = fileURLToPath(new URL('demo-app.ts', import.meta.url));
const AGENT = fileURLToPath(new URL('../node/register.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

export interface DemoOptions {
  /** OTLP/HTTP base URL of the receiver. */
  readonly otlpEndpoint: string;
  /** Sent as the bearer token when the receiver requires API keys. */
  readonly apiKey?: string;
  readonly intervalMs?: number;
}

export interface Demo {
  readonly frontendUrl: string;
  stop(): Promise<void>;
}

function start(role: 'payments' | 'frontend', env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', AGENT, APP, role], {
    env: { ...process.env, ...env, OTEL_SERVICE_NAME: `demo-${role}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo ${role} did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo ${role} exited with code ${String(code)} before listening`));
    });
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const port = announcedPort(line);
      if (port === null) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, port });
    });
  });
}

function announcedPort(line: string): number | null {
  if (!line.startsWith('{"demo"')) return null;
  try {
    const parsed = JSON.parse(line) as { port?: unknown };
    return typeof parsed.port === 'number' ? parsed.port : null;
  } catch {
    return null;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // SIGTERM lets the agent flush; a demo that hangs anyway is killed.
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startDemo(o: DemoOptions): Promise<Demo> {
  const env: Record<string, string> = {
    OTEL_EXPORTER_OTLP_ENDPOINT: o.otlpEndpoint,
    OTEL_METRIC_EXPORT_INTERVAL: '5000',
    DEMO_INTERVAL_MS: String(o.intervalMs ?? 1000),
    ...(o.apiKey === undefined ? {} : { CAIRN_API_KEY: o.apiKey }),
  };
  const payments = await start('payments', env);
  try {
    const frontend = await start('frontend', { ...env, DEMO_PAYMENTS_URL: `http://127.0.0.1:${payments.port}` });
    return {
      frontendUrl: `http://127.0.0.1:${frontend.port}`,
      stop: async () => {
        await stopChild(frontend.child);
        await stopChild(payments.child);
      },
    };
  } catch (err) {
    await stopChild(payments.child);
    throw err;
  }
}
