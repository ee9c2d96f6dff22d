// One prom-client registry per service instance (not the global default), so tests can build
// several apps in one process and each /metrics shows only its own series.
import { Registry, collectDefaultMetrics } from 'prom-client';

export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'cairn_' });
  return registry;
}
