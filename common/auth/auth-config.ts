// Reads the authentication settings the receiver and the query API share: CAIRN_AUTH (api-key |
// none) and CAIRN_API_KEYS (`key=tenant` pairs). API keys are the default; `none` must be asked for.
import { ConfigError, list, oneOf, str } from '../runtime/env.ts';
import type { Env } from '../runtime/env.ts';
import type { ApiAuth } from './api-keys.ts';

const TENANT = /^[A-Za-z0-9_.-]{1,64}$/;

function tenantName(name: string, variable: string): string {
  if (!TENANT.test(name)) throw new ConfigError(`${variable}: tenant "${name}" must be 1-64 letters, digits, '.', '_' or '-'`);
  return name;
}

export function readAuth(env: Env, defaultMode: 'api-key' | 'none'): ApiAuth {
  const mode = oneOf(env, 'CAIRN_AUTH', defaultMode, ['api-key', 'none']);
  if (mode === 'none') return { mode, tenant: tenantName(str(env, 'CAIRN_TENANT', 'default'), 'CAIRN_TENANT') };
  const pairs = list(env, 'CAIRN_API_KEYS', []);
  if (pairs.length === 0) {
    throw new ConfigError('CAIRN_API_KEYS must list key=tenant pairs (comma-separated) when CAIRN_AUTH=api-key; set CAIRN_AUTH=none to accept anyone as CAIRN_TENANT');
  }
  const keys = new Map<string, string>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) throw new ConfigError('CAIRN_API_KEYS: each entry must be key=tenant');
    const key = pair.slice(0, eq);
    if (key.length < 16) throw new ConfigError('CAIRN_API_KEYS: keys must be at least 16 characters');
    if (keys.has(key)) throw new ConfigError('CAIRN_API_KEYS: a key is listed twice');
    keys.set(key, tenantName(pair.slice(eq + 1), 'CAIRN_API_KEYS'));
  }
  return { mode, keys };
}
