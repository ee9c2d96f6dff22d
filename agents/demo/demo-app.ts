// A small shop made of two services, instrumented only by the Node agent (run with
// `--import agents/node/register.ts`), so a newcomer sees traces, logs and metrics at once:
// - frontend: serves GET /checkout, which calls payments over HTTP, and sends itself a checkout
//   every DEMO_INTERVAL_MS;
// - payments: serves POST /charge and declines one charge in five with a 502 and an error log,
//   which gives the error path (error spans on both sides, error logs, an error ratio in RED).
// Business metrics go through the OpenTelemetry metrics API; logs through pino.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics } from '@opentelemetry/api';
import { pino } from 'pino';

const role = process.argv[2];
const port = Number(process.env['DEMO_PORT'] ?? '0');
const paymentsUrl = process.env['DEMO_PAYMENTS_URL'] ?? '';
const intervalMs = Number(process.env['DEMO_INTERVAL_MS'] ?? '1000');
const log = pino({ name: `demo-${role ?? ''}` });
const meter = metrics.getMeter('cairn-demo');

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

let charges = 0;
const chargeAmount = meter.createHistogram('demo.charge.amount', { unit: '{USD}', description: 'Amount of each charge' });
function payments(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'POST' || req.url !== '/charge') {
    send(res, 404, { error: 'not found' });
    return;
  }
  charges += 1;
  const amount = 5 + (charges % 50);
  chargeAmount.record(amount, { currency: 'USD' });
  // Every fifth charge is declined: the demo's error path.
  if (charges % 5 === 0) {
    log.error({ amount, charge: charges }, 'card declined by the issuer');
    send(res, 502, { error: 'card declined' });
    return;
  }
  log.info({ amount, charge: charges }, 'charge accepted');
  send(res, 200, { charged: amount });
}

const checkouts = meter.createCounter('demo.checkouts', { description: 'Checkouts by outcome' });
async function frontend(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.url !== '/checkout') {
    send(res, 404, { error: 'not found' });
    return;
  }
  const charge = await fetch(`${paymentsUrl}/charge`, { method: 'POST', signal: AbortSignal.timeout(5000) });
  await charge.arrayBuffer();
  const outcome = charge.ok ? 'ok' : 'declined';
  checkouts.add(1, { outcome });
  if (!charge.ok) {
    log.warn({ status: charge.status }, 'checkout failed: payment declined');
    send(res, 502, { error: 'payment declined' });
    return;
  }
  log.info('checkout complete');
  send(res, 200, { ok: true });
}

function serve(handler: (req: IncomingMessage, res: ServerResponse) => unknown): void {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((err: unknown) => {
      log.error({ err }, 'request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
  });
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    const actual = typeof address === 'object' && address !== null ? address.port : port;
    // The parent (cairn start --demo, or a test) reads this line to learn the port.
    process.stdout.write(`${JSON.stringify({ demo: role, port: actual })}\n`);
    if (role === 'frontend' && intervalMs > 0) {
      setInterval(() => {
        fetch(`http://127.0.0.1:${actual}/checkout`, { signal: AbortSignal.timeout(5000) })
          .then((r) => r.arrayBuffer())
          .catch((err: unknown) => {
            log.warn({ err }, 'demo checkout request failed');
          });
      }, intervalMs).unref();
    }
  });
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

// Started by `cairn start --demo`: if that process dies without stopping us (SIGKILL), this one
// is re-parented, and goes too rather than run on unattended.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
}, 1000).unref();

if (role === 'payments') serve(payments);
else if (role === 'frontend') serve(frontend);
else {
  process.stderr.write('usage: demo-app.ts frontend|payments (DEMO_PORT, DEMO_PAYMENTS_URL, DEMO_INTERVAL_MS)\n');
  process.exitCode = 2;
}
