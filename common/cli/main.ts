// `cairn` command line: picks the role to run. Usage errors name the argument and list choices.
import { startDemo } from '../../agents/demo/demo-launcher.ts';
import type { Demo } from '../../agents/demo/demo-launcher.ts';
import { runShipper } from '../../agents/shipper/main.ts';
import { runCollector } from '../../collector/main.ts';
import type { CollectorRole } from '../../collector/config.ts';
import { stackDown, stackStatus, stackUp } from '../../deploy/local/stack.ts';
import { runQuery } from '../../query/main.ts';
import type { ApiAuth } from '../auth/api-keys.ts';
import { ConfigError } from '../runtime/env.ts';
import { createLogger } from '../runtime/logger.ts';
import { runUntilSignalled } from '../runtime/serve.ts';
import { readEmbeddedConfig } from './config.ts';
import { buildEmbedded } from './embedded.ts';

const USAGE = `usage:
  cairn start [--demo]                            everything in one process, embedded storage, no services needed;
                                                  --demo also runs a small instrumented shop that sends telemetry
  cairn collector --role receiver|ingester|all   OTLP receiver and/or Kafka -> ClickHouse ingester
  cairn query                                     query API (port 8080)
  cairn shipper                                   follow log files (CAIRN_SHIPPER_FILES) and ship them to Cairn
  cairn stack up|down|status                      local ZooKeeper, ClickHouse 2x2, Kafka x3 on loopback
configuration comes from CAIRN_* environment variables (see README).`;

class UsageError extends Error {}

/**
 * For commands that print and exit: a reader that closes early (`cairn stack status | head`)
 * ends the command quietly, as SIGPIPE would. Not for the servers: they shut down by signal.
 */
function endQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

function roleArg(args: readonly string[]): CollectorRole {
  const i = args.indexOf('--role');
  const inline = args.find((a) => a.startsWith('--role='))?.slice('--role='.length);
  const role = inline ?? (i >= 0 ? args[i + 1] : 'all');
  if (role === 'receiver' || role === 'ingester' || role === 'all') return role;
  throw new UsageError(`--role must be receiver, ingester or all (got "${role ?? ''}")`);
}

async function main(args: readonly string[]): Promise<void> {
  const [command, sub] = args;
  switch (command) {
    case 'start':
      return runEmbedded(args.includes('--demo'));
    case 'collector':
      return runCollector(roleArg(args.slice(1)), process.env);
    case 'query':
      return runQuery(process.env);
    case 'shipper':
      return runShipper(process.env);
    case 'stack':
      endQuietlyOnClosedPipe();
      if (sub === 'up') {
        await stackUp();
        return;
      }
      if (sub === 'down') return stackDown({ purge: args.includes('--purge') });
      if (sub === 'status') {
        const rows = await stackStatus();
        for (const r of rows) {
          console.log(`${r.name.padEnd(14)} ${r.running ? 'running' : 'stopped'} ${r.healthy ? 'healthy' : 'unhealthy'} pid=${r.pid ?? '-'} ${r.endpoint}`);
        }
        if (rows.some((r) => !r.healthy)) process.exitCode = 1;
        return;
      }
      throw new UsageError(`stack needs up, down or status (got "${sub ?? ''}")`);
    case undefined:
    case 'help':
    case '--help':
      endQuietlyOnClosedPipe();
      console.log(USAGE);
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function runEmbedded(withDemo: boolean): Promise<void> {
  const config = readEmbeddedConfig(process.env);
  const logger = createLogger(config.query.logLevel, 'cairn');
  const cairn = await buildEmbedded(config, logger);
  const shown = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  let demo: Demo | undefined;
  const running = runUntilSignalled(cairn.listeners, logger, {
    // The demo stops first so its last telemetry still finds the receiver open.
    before: async () => {
      await demo?.stop();
    },
    after: () => cairn.close(),
  });
  // Racing with `running` surfaces a listen failure (port in use) instead of waiting forever.
  await Promise.race([cairn.ready, running]);
  try {
    await cairn.grpc.listen(config.host, config.otlpGrpcPort);
  } catch (err) {
    throw new Error(`cannot listen for OTLP/gRPC on ${config.host}:${config.otlpGrpcPort} (CAIRN_OTLP_GRPC_PORT)`, { cause: err });
  }
  const otlp = `http://${shown}:${config.otlpHttpPort}`;
  const api = `http://${shown}:${config.query.port}`;
  console.log(`
Cairn is running (embedded storage in ${config.dataDir})
  OTLP/HTTP receiver  ${otlp}/v1/traces, /v1/logs, /v1/metrics
  OTLP/gRPC receiver  ${shown}:${config.otlpGrpcPort}
  query API           ${api}/api/v1/traces/<traceId>   (OpenAPI at ${api}/docs)

Point an OpenTelemetry SDK at it:
  OTEL_EXPORTER_OTLP_ENDPOINT=${otlp} OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
or preload Cairn's Node agent:
  OTEL_EXPORTER_OTLP_ENDPOINT=${otlp} OTEL_SERVICE_NAME=my-app node --import tsx --import ./agents/node/register.ts app.js
Stop with Ctrl-C; data stays in ${config.dataDir}.
`);
  if (withDemo) {
    demo = await startDemo({ otlpEndpoint: otlp, ...demoKey(config.auth) });
    console.log(`Demo shop running (services demo-frontend and demo-payments, one payment in five declined). Within a minute:
  ${api}/api/v1/traces?service=demo-frontend
  ${api}/api/v1/logs?service=demo-payments&severity=error
  ${api}/api/v1/red?service=demo-frontend
`);
  }
  await running;
}

/** With API keys on, the demo writes as the tenant of the first configured key. */
function demoKey(auth: ApiAuth): { apiKey?: string } {
  if (auth.mode !== 'api-key') return {};
  const [first] = auth.keys.keys();
  return first === undefined ? {} : { apiKey: first };
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`cairn: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (err instanceof ConfigError) {
    console.error(`cairn: ${err.message}`);
    process.exit(78);
  }
  console.error('cairn: fatal:', err);
  process.exit(1);
});
