// Shared by the deploy-* tests: readers for the deployment files (YAML, env files, ClickHouse XML,
// the Dockerfile) and probes of the code those files must agree with: which variables a config
// reader reads, which ports a role serves, whether the `cairn` command accepts some arguments.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { readCollectorConfig } from '../../collector/config.ts';
import type { CollectorConfig, CollectorRole } from '../../collector/config.ts';
import type { Env } from '../../common/runtime/env.ts';
import { readQueryConfig } from '../../query/config.ts';
import type { QueryConfig } from '../../query/config.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const repoPath = (path: string): string => join(ROOT, path);
export const readText = (path: string): string => readFileSync(repoPath(path), 'utf8');
export const exists = (path: string): boolean => existsSync(repoPath(path));

export type Obj = Readonly<Record<string, unknown>>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The mapping at `where`, or an error naming it (file and field). */
export function obj(v: unknown, where: string): Obj {
  if (!isObj(v)) throw new Error(`${where}: expected a mapping, got ${JSON.stringify(v)}`);
  return v;
}

export function list(v: unknown, where: string): readonly unknown[] {
  if (!Array.isArray(v)) throw new Error(`${where}: expected a list, got ${JSON.stringify(v)}`);
  return v as readonly unknown[];
}

export function text(v: unknown, where: string): string {
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') throw new Error(`${where}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

// Compose files share blocks through anchors and merge keys, so both are on.
const YAML_OPTIONS = { merge: true, maxAliasCount: 10_000 } as const;

export function readYaml(path: string): unknown {
  return parse(readText(path), YAML_OPTIONS);
}

export function readYamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readText(path), YAML_OPTIONS).map((d) => d.toJS(YAML_OPTIONS) as unknown);
}

/** KEY=VALUE lines as docker compose and kustomize read them: # comments, optional quotes. */
export function readEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, raw] of readText(path).split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${path}:${i + 1}: expected KEY=VALUE`);
    const value = line.slice(eq + 1).trim();
    out[line.slice(0, eq).trim()] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
  }
  return out;
}

export interface XmlNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlNode[];
  text: string;
}

/** Enough XML for ClickHouse configs: elements, attributes, text; comments and <?xml?> skipped. */
export function readXml(path: string): XmlNode {
  const source = readText(path).replace(/<!--[\s\S]*?-->/g, '').replace(/<\?[\s\S]*?\?>/g, '');
  const root: XmlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  for (const m of source.matchAll(/<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w.-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g)) {
    const top = stack[stack.length - 1];
    if (top === undefined) throw new Error(`${path}: unbalanced elements`);
    const [, closing, name, attrText, selfClosing, chars] = m;
    if (chars !== undefined) {
      top.text += chars.trim();
    } else if (closing === '/') {
      if (top.name !== name) throw new Error(`${path}: </${name ?? ''}> closes <${top.name}>`);
      stack.pop();
    } else {
      const attrs = Object.fromEntries([...(attrText ?? '').matchAll(/([\w.-]+)="([^"]*)"/g)].map((a) => [a[1] ?? '', a[2] ?? '']));
      const node: XmlNode = { name: name ?? '', attrs, children: [], text: '' };
      top.children.push(node);
      if (selfClosing !== '/') stack.push(node);
    }
  }
  if (stack.length !== 1) throw new Error(`${path}: <${stack[stack.length - 1]?.name ?? ''}> is never closed`);
  const [doc] = root.children;
  if (doc === undefined) throw new Error(`${path}: no root element`);
  return doc;
}

/** Every element at a slash-separated path below `node` (a/b/c). */
export function xmlAll(node: XmlNode, path: string): XmlNode[] {
  return path.split('/').reduce<XmlNode[]>((nodes, name) => nodes.flatMap((n) => n.children.filter((c) => c.name === name)), [node]);
}

export function xmlOne(node: XmlNode, path: string, file: string): XmlNode {
  const [first, ...rest] = xmlAll(node, path);
  if (first === undefined || rest.length > 0) throw new Error(`${file}: expected exactly one <${path}>`);
  return first;
}

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
export function readDockerfile(path: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  let start = 0;
  for (const [i, raw] of readText(path).split('\n').entries()) {
    if (pending === '' && (raw.trim() === '' || raw.trim().startsWith('#'))) continue;
    if (pending === '') start = i + 1;
    if (raw.trim().startsWith('#')) continue;
    pending += (pending === '' ? '' : ' ') + raw.trim().replace(/\\$/, '').trim();
    if (raw.trimEnd().endsWith('\\')) continue;
    const [keyword = '', ...rest] = pending.split(/\s+/);
    out.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: start });
    pending = '';
  }
  return out;
}

/** The process a `cairn` argument list starts, or null if it is none of the cluster roles. */
export type CairnProcess = { readonly kind: 'collector'; readonly role: CollectorRole } | { readonly kind: 'query' };

export function cairnProcess(args: readonly string[]): CairnProcess | null {
  if (args[0] === 'query') return { kind: 'query' };
  if (args[0] !== 'collector') return null;
  const i = args.indexOf('--role');
  const role = args.find((a) => a.startsWith('--role='))?.slice('--role='.length) ?? (i >= 0 ? args[i + 1] : 'all');
  return role === 'receiver' || role === 'ingester' || role === 'all' ? { kind: 'collector', role } : null;
}

export const processName = (p: CairnProcess): string => (p.kind === 'query' ? 'query' : p.role);

export interface ProcessView {
  readonly collector?: CollectorConfig;
  readonly query?: QueryConfig;
  /** The port of /healthz, /readyz and /metrics (and of the API or OTLP/HTTP). */
  readonly httpPort: number;
  /** Every port the process listens on. */
  readonly ports: readonly number[];
  /** The variables its config reader read. */
  readonly variables: ReadonlySet<string>;
}

/** Runs the process's real config reader on `env` (throws its ConfigError if it refuses it). */
export function readProcess(p: CairnProcess, env: Env): ProcessView {
  const variables = new Set<string>();
  const recording = new Proxy(env, {
    get(target, name, receiver): unknown {
      if (typeof name === 'string') variables.add(name);
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
  if (p.kind === 'query') {
    const query = readQueryConfig(recording);
    return { query, httpPort: query.port, ports: [query.port], variables };
  }
  const collector = readCollectorConfig(recording, p.role);
  // As collector/app.ts chooses: a lone ingester serves its ops routes on its own port.
  if (p.role === 'ingester') return { collector, httpPort: collector.ingesterHttpPort, ports: [collector.ingesterHttpPort], variables };
  return { collector, httpPort: collector.otlpHttpPort, ports: [collector.otlpGrpcPort, collector.otlpHttpPort], variables };
}

/**
 * Whether the real `cairn` command accepts these arguments. It runs them with an invalid
 * CAIRN_LOG_LEVEL: a valid command reaches its config reader and stops there (exit 78, naming
 * the variable) before connecting anywhere; a usage error exits 2.
 */
export function cliAccepts(args: readonly string[]): { readonly ok: boolean; readonly detail: string } {
  const run = spawnSync(process.execPath, [repoPath('bin/cairn.js'), ...args], {
    env: { CAIRN_LOG_LEVEL: 'not-a-level' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const detail = `${run.stderr}${run.stdout}`.trim().split('\n')[0] ?? '';
  return { ok: run.status === 78 && detail.includes('CAIRN_LOG_LEVEL'), detail: `exit ${String(run.status)}: ${detail}` };
}

/** The drain limit of every service after SIGTERM, read from the code that enforces it. */
export function shutdownGraceMs(): number {
  const m = /const GRACE_MS = ([\d_]+);/.exec(readText('common/runtime/serve.ts'));
  if (m?.[1] === undefined) throw new Error('common/runtime/serve.ts: GRACE_MS not found (export it and use it here instead)');
  return Number(m[1].replace(/_/g, ''));
}

/** Durations as compose writes them: 35s, 1m30s, 500ms. */
export function durationMs(value: string, where: string): number {
  const parts = [...value.matchAll(/(\d+)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) throw new Error(`${where}: "${value}" is not a duration`);
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return parts.reduce((sum, p) => sum + Number(p[1]) * (unit[p[2] ?? ''] ?? 0), 0);
}

/**
 * Every repository file the `cairn` command can load at run time: relative imports followed from
 * bin/cairn.js, plus files and folders found with new URL('…', import.meta.url).
 */
export function runtimeFiles(): string[] {
  const seen = new Set<string>();
  const queue = ['bin/cairn.js'];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    if (!/\.[cm]?[jt]s$/.test(file)) continue;
    const source = readText(file);
    const specifiers = [
      ...source.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g),
      ...source.matchAll(/new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g),
    ].map((m) => m[1] ?? '');
    for (const spec of specifiers) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
      // The repository root itself (deploy/local finds its state folder from it) is no file to ship.
      if (target === '') continue;
      if (!exists(target)) throw new Error(`${file}: "${spec}" does not exist`);
      if (statSync(repoPath(target)).isDirectory()) seen.add(target);
      else queue.push(target);
    }
  }
  return [...seen].sort();
}

/** Whether a .dockerignore pattern list excludes `path` (or a folder above it). */
export function dockerIgnores(patterns: readonly string[], path: string): boolean {
  const regexes = patterns.map((p) => {
    const body = p.replace(/\/$/, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '\u0000').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
    return new RegExp(`^${body.replace(/\u0000/g, '(?:.*/)?')}$`);
  });
  const segments = path.split('/');
  return segments.some((_, i) => regexes.some((r) => r.test(segments.slice(0, i + 1).join('/'))));
}

export function packageVersion(): string {
  return text(obj(JSON.parse(readText('package.json')) as unknown, 'package.json').version, 'package.json version');
}
