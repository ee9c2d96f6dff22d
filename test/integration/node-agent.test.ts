// The Node agent against Cairn's embedded mode, over real HTTP: the two-service demo shop, started
// the way `cairn start --demo` starts it, must show up through the query API as traces spanning
// both services (context propagated over fetch -> http), error spans and error logs carrying their
// trace id (the pino bridge; the winston bridge on a script of its own), and the shop's metrics. A process that logs and exits at once must
// still deliver (flush on exit), and neither bad settings nor a collector that is down may break
// the host application.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startDemo } from '../../agents/demo/demo-launcher.ts';
import { REPO_ROOT } from '../../deploy/local/paths.ts';
import type { Demo } from '../../agents/demo/demo-launcher.ts';
import { eventually } from './support/pipeline.ts';
import { embeddedBackend } from './support/search-backends.ts';
import type { Backend } from './support/search-backends.ts';

const AGENT = fileURLToPath(new URL('../../agents/node/register.ts', import.meta.url));
const DATA_TIMEOUT_MS = 60_000;

let backend: Backend | undefined;
let demo: Demo | undefined;
// Inside the repository, so the scripts resolve pino and the agent's packages from its node_modules.
mkdirSync(join(REPO_ROOT, '.cairn'), { recursive: true });
const scratch = mkdtempSync(join(REPO_ROOT, '.cairn', 'agent-test-'));

before(async () => {
  backend = await embeddedBackend();
  demo = await startDemo({ otlpEndpoint: backend.otlpUrl, apiKey: backend.keyA, intervalMs: 200 });
});

after(async () => {
  await demo?.stop();
  await backend?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function b(): Backend {
  return backend ?? assert.fail('embedded backend did not start');
}

async function api<T>(path: string, key = b().keyA): Promise<T> {
  const res = await fetch(`${b().queryUrl}${path}`, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(10_000) });
  const body = await res.text();
  assert.equal(res.status, 200, `${path}: ${body}`);
  return JSON.parse(body) as T;
}

interface TraceSummary {
  traceId: string;
  rootServiceName: string | null;
}
interface ApiSpan {
  serviceName: string;
  name: string;
  kind: string;
  parentSpanId: string;
  status: { code: string };
}
interface LogLine {
  severityText: string;
  body: unknown;
  traceId: string;
  spanId: string;
  serviceName: string;
}

/** Runs a script with the agent preloaded; resolves with its exit code and output. */
function runWithAgent(source: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const file = join(scratch, `app-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, source);
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', AGENT, file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

void describe('Node agent', () => {
  void it('a checkout trace spans both demo services, with the declined ones marked as errors', async () => {
    const traces = await eventually('a trace from demo-frontend', DATA_TIMEOUT_MS, async () => {
      const r = await api<{ traces: TraceSummary[] }>('/api/v1/traces?service=demo-payments&status=error&limit=5');
      return r.traces.length > 0 ? r.traces : undefined;
    });
    const [first] = traces;
    assert.ok(first !== undefined);
    const trace = await eventually('the whole trace', DATA_TIMEOUT_MS, async () => {
      const t = await api<{ spans: ApiSpan[] }>(`/api/v1/traces/${first.traceId}`);
      const services = new Set(t.spans.map((s) => s.serviceName));
      return services.has('demo-frontend') && services.has('demo-payments') && t.spans.length >= 3 ? t : undefined;
    });
    const server = trace.spans.find((s) => s.serviceName === 'demo-payments' && s.kind === 'SPAN_KIND_SERVER');
    assert.ok(server !== undefined, 'the payments service recorded its side of the call');
    assert.equal(server.status.code, 'STATUS_CODE_ERROR', 'a 5xx server span is an error');
    const root = trace.spans.find((s) => s.parentSpanId === '');
    assert.equal(root?.serviceName, 'demo-frontend');
    const ids = new Set(trace.spans.map((s) => s.parentSpanId));
    assert.ok(trace.spans.some((s) => s.serviceName === 'demo-frontend' && s.kind === 'SPAN_KIND_CLIENT' && ids.size > 1), 'the frontend called out');
  });

  void it('pino error logs arrive as OTLP logs carrying the trace and span of the request', async () => {
    const logs = await eventually('a declined-charge log', DATA_TIMEOUT_MS, async () => {
      const r = await api<{ logs: LogLine[] }>('/api/v1/logs?service=demo-payments&severity=error&q=declined&limit=5');
      return r.logs.length > 0 ? r.logs : undefined;
    });
    const [line] = logs;
    assert.ok(line !== undefined);
    assert.match(line.traceId, /^[0-9a-f]{32}$/);
    assert.match(line.spanId, /^[0-9a-f]{16}$/);
    const trace = await eventually('the log line\'s trace', DATA_TIMEOUT_MS, async () => {
      const t = await api<{ spans: ApiSpan[] }>(`/api/v1/traces/${line.traceId}`).catch(() => undefined);
      return t !== undefined && t.spans.some((s) => s.serviceName === 'demo-payments') ? t : undefined;
    });
    assert.ok(trace.spans.length > 0);
  });

  void it('the demo\'s own metrics arrive as series with their attributes', async () => {
    const series = await eventually('demo.checkouts series', DATA_TIMEOUT_MS, async () => {
      const r = await api<{ series: { labels: Record<string, string> }[] }>('/api/v1/metrics/series?name=demo.checkouts');
      const outcomes = new Set(r.series.map((s) => s.labels['outcome']));
      return outcomes.has('ok') && outcomes.has('declined') ? r.series : undefined;
    });
    assert.ok(series.every((s) => s.labels['service.name'] === 'demo-frontend'));
  });

  void it('tenant isolation holds for agent data: another key sees none of it', async () => {
    const r = await api<{ traces: TraceSummary[] }>('/api/v1/traces?service=demo-frontend&limit=5', b().keyB);
    assert.deepEqual(r.traces, []);
  });

  void it('a process that logs and exits at once still delivers: the agent flushes on exit', async () => {
    const marker = `flush-marker-${Date.now()}`;
    const run = await runWithAgent(`import { pino } from 'pino';\npino().info('${marker}');\nconsole.log('done');\n`, {
      OTEL_EXPORTER_OTLP_ENDPOINT: b().otlpUrl,
      CAIRN_API_KEY: b().keyA,
      OTEL_SERVICE_NAME: 'agent-flush-test',
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /done/);
    await eventually('the marker log line', DATA_TIMEOUT_MS, async () => {
      const r = await api<{ logs: LogLine[] }>(`/api/v1/logs?service=agent-flush-test&q=${marker}`);
      return r.logs.length === 1 ? r.logs : undefined;
    });
  });

  void it('winston logs written while serving a request arrive with the request\'s trace, and still reach the console', async () => {
    const marker = `winston-marker-${Date.now()}`;
    const run = await runWithAgent(
      `import http from 'node:http';\nimport winston from 'winston';\n` +
        `const log = winston.createLogger({ level: 'info', transports: [new winston.transports.Console()] });\n` +
        `const s = http.createServer((q, r) => { log.warn('${marker}', { order: 42 }); r.end('ok'); }).listen(0, async () => {\n` +
        `  const res = await fetch('http://127.0.0.1:' + s.address().port + '/');\n  console.log('status ' + res.status + ' ' + (await res.text()));\n  s.close();\n});\n`,
      { OTEL_EXPORTER_OTLP_ENDPOINT: b().otlpUrl, CAIRN_API_KEY: b().keyA, OTEL_SERVICE_NAME: 'agent-winston-test' },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /status 200 ok/);
    assert.match(run.stdout, new RegExp(marker), 'the application\'s own console transport still writes');
    const [line] = await eventually('the winston log line', DATA_TIMEOUT_MS, async () => {
      const r = await api<{ logs: (LogLine & { attributes: { key: string; value: Record<string, unknown> }[] })[] }>(`/api/v1/logs?service=agent-winston-test&q=${marker}`);
      return r.logs.length === 1 ? r.logs : undefined;
    });
    assert.ok(line !== undefined);
    assert.equal(line.severityText, 'warn');
    const order = line.attributes.find((a) => a.key === 'order');
    assert.match(JSON.stringify(order?.value), /"42"|:42\b/, `the meta field is an attribute: ${JSON.stringify(line.attributes)}`);
    const trace = await eventually('the log line\'s trace', DATA_TIMEOUT_MS, async () => {
      const t = await api<{ spans: ApiSpan[] }>(`/api/v1/traces/${line.traceId}`).catch(() => undefined);
      return t !== undefined && t.spans.length > 0 ? t : undefined;
    });
    const server = trace.spans.find((s) => s.kind === 'SPAN_KIND_SERVER');
    assert.equal(server?.serviceName, 'agent-winston-test', 'the line carries the server span\'s trace');
  });

  void it('bad settings warn, naming the variable, and the application runs on', async () => {
    const run = await runWithAgent(`console.log('app ran');\n`, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url',
      OTEL_METRIC_EXPORT_INTERVAL: 'often',
      OTEL_EXPORTER_OTLP_HEADERS: 'broken',
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /app ran/);
    for (const name of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_METRIC_EXPORT_INTERVAL', 'OTEL_EXPORTER_OTLP_HEADERS']) assert.match(run.stderr, new RegExp(name));
  });

  void it('with the collector down the application works and exits within the flush timeout', async () => {
    const run = await runWithAgent(
      `import http from 'node:http';\nimport { pino } from 'pino';\nconst s = http.createServer((q, r) => r.end('hi')).listen(0, async () => {\n  const res = await fetch('http://127.0.0.1:' + s.address().port + '/');\n  pino().info('answered ' + (await res.text()));\n  console.log('status ' + res.status);\n  s.close();\n});\n`,
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', CAIRN_AGENT_SHUTDOWN_TIMEOUT_MS: '2000', OTEL_EXPORTER_OTLP_TIMEOUT: '1000' },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /status 200/);
    assert.ok(run.ms < 15_000, `exited after ${run.ms} ms`);
  });
});
