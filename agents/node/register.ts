// `node --import <this file> app.js`: instruments the application before any of its modules load.
// ES modules are only patchable through a loader hook registered before they are imported, so the
// hook goes in first; without it (an old Node) CommonJS modules are still instrumented.
import { register } from 'node:module';
import { startAgent } from './agent.ts';

try {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
} catch (err) {
  process.stderr.write(`[cairn agent] ES module instrumentation unavailable: ${err instanceof Error ? err.message : String(err)}\n`);
}

startAgent();
