// Typed readers for environment variables. Only the services' config.ts files call these; every
// failure names the variable and what a valid value looks like.

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {}

function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

export function str(env: Env, name: string, fallback: string): string {
  return value(env, name) ?? fallback;
}

export function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = value(env, name);
  if (v === undefined) return fallback;
  if (!/^-?\d+$/.test(v)) throw new ConfigError(`${name}=${v} is not an integer`);
  const n = Number(v);
  if (n < min || n > max) throw new ConfigError(`${name}=${v} must be between ${min} and ${max}`);
  return n;
}

export function port(env: Env, name: string, fallback: number): number {
  return int(env, name, fallback, 0, 65535);
}

export function list(env: Env, name: string, fallback: readonly string[]): string[] {
  const v = value(env, name);
  if (v === undefined) return [...fallback];
  const items = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new ConfigError(`${name} must list at least one value, comma-separated`);
  return items;
}

export function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const v = value(env, name);
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(`${name}=${v} must be one of: ${allowed.join(', ')}`);
  }
  return v as T;
}

export function url(env: Env, name: string, fallback: string): string {
  const v = value(env, name) ?? fallback;
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new ConfigError(`${name}=${v} is not an http(s) URL`);
  }
  return v;
}

export function hostPorts(env: Env, name: string, fallback: readonly string[]): string[] {
  const items = list(env, name, fallback);
  for (const item of items) {
    if (!/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(item)) {
      throw new ConfigError(`${name}: "${item}" is not host:port`);
    }
  }
  return items;
}
