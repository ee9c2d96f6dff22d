// The Node agent: starts @opentelemetry/sdk-node with OTLP/HTTP exporters for traces, metrics and
// logs pointed at Cairn, HTTP client/server and fetch instrumentation, and the pino and winston
// bridges (log records go out as OTLP logs carrying the active trace and span ids; winston's
// through @opentelemetry/winston-transport, which its instrumentation adds to every logger). It lives inside someone
// else's application, so nothing here may take the host down: a bad setting is a warning, a
// failure to start leaves the application running uninstrumented, and an unreachable collector
// only costs the telemetry it could not send (the exporters' own bounded retries and queues).
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { WinstonInstrumentation } from '@opentelemetry/instrumentation-winston';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { envDetector, hostDetector, processDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { readAgentConfig } from './agent-config.ts';
import type { AgentConfig } from './agent-config.ts';

export interface Agent {
  readonly config: AgentConfig;
  /** Flushes what is buffered and stops; resolves within the shutdown timeout, never rejects. */
  shutdown(): Promise<void>;
}

export interface AgentOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where warnings go; stderr by default, as the host's own logger may not exist yet. */
  readonly warn?: (message: string) => void;
  /** Flush on SIGTERM, SIGINT and normal exit (default true). */
  readonly handleExit?: boolean;
}

const defaultWarn = (message: string): void => {
  process.stderr.write(`[cairn agent] ${message}\n`);
};

function buildSdk(c: AgentConfig): NodeSDK {
  const exporter = (signal: string): { url: string; headers: Record<string, string>; timeoutMillis: number } => ({
    url: `${c.endpoint}/v1/${signal}`,
    headers: { ...c.headers },
    timeoutMillis: c.exportTimeoutMs,
  });
  return new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': c.serviceName }),
    resourceDetectors: [envDetector, processDetector, hostDetector],
    traceExporter: new OTLPTraceExporter(exporter('traces')),
    metricReaders: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(exporter('metrics')),
        exportIntervalMillis: c.metricIntervalMs,
        exportTimeoutMillis: Math.min(c.exportTimeoutMs, c.metricIntervalMs),
      }),
    ],
    logRecordProcessors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter(exporter('logs')) })],
    instrumentations: [
      // The exporters' own requests to Cairn would otherwise be traced too, and sent, and traced.
      new HttpInstrumentation({ ignoreOutgoingRequestHook: (req) => isExport(req.path, c) }),
      new UndiciInstrumentation(),
      new PinoInstrumentation(),
      new WinstonInstrumentation(),
    ],
  });
}

function isExport(path: string | null | undefined, c: AgentConfig): boolean {
  if (path === undefined || path === null) return false;
  const base = new URL(c.endpoint).pathname.replace(/\/+$/, '');
  return /\/v1\/(traces|metrics|logs)$/.test(path) && path.startsWith(base);
}

async function within(ms: number, work: Promise<unknown>): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timeout');
    }, ms);
    timer.unref();
  });
  try {
    return await Promise.race([work.then(() => 'done' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Flushes on SIGTERM/SIGINT, then lets the signal do what it would have done: if the application
 * listens for it, its own handler decides; if not, the process exits as it would have.
 */
function flushOnExit(shutdown: () => Promise<void>): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = (): void => {
      const appHandles = process.listenerCount(signal) > 0;
      void shutdown().finally(() => {
        if (!appHandles) process.kill(process.pid, signal);
      });
    };
    process.once(signal, onSignal);
  }
  process.once('beforeExit', () => {
    void shutdown();
  });
}

/** Starts the agent; returns null (after a warning) when disabled or when it cannot start. */
export function startAgent(options: AgentOptions = {}): Agent | null {
  const warn = options.warn ?? defaultWarn;
  try {
    const { config, warnings } = readAgentConfig(options.env ?? process.env, process.argv[1]);
    for (const w of warnings) warn(w);
    if (!config.enabled) return null;
    const sdk = buildSdk(config);
    sdk.start();
    let stopping: Promise<void> | undefined;
    const shutdown = (): Promise<void> => {
      stopping ??= within(config.shutdownTimeoutMs, sdk.shutdown()).then(
        (outcome) => {
          if (outcome === 'timeout') warn(`telemetry not flushed within ${config.shutdownTimeoutMs} ms (CAIRN_AGENT_SHUTDOWN_TIMEOUT_MS); exiting without it`);
        },
        (err: unknown) => {
          warn(`flushing telemetry failed: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
      return stopping;
    };
    if (options.handleExit ?? true) flushOnExit(shutdown);
    return { config, shutdown };
  } catch (err) {
    warn(`not started, the application runs without telemetry: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}
