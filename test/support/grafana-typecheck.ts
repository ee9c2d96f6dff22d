// Type-checks dashboard JSON with the real TypeScript compiler. A JSON import would widen every
// string to `string` and skip excess-property checks, so each dashboard is written out as an object
// literal typed JsonOf<CairnDashboard> (grafana-dashboard-types.ts) and compiled with the repository's
// tsconfig. The files go under node_modules/.cache so that '@grafana/schema' resolves from there.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../deploy/local/paths.ts';

export interface TypecheckCase {
  /** File-name safe: letters, digits and dashes. */
  readonly name: string;
  readonly json: unknown;
}

export interface TypecheckResult {
  /** Compiler errors per case (none for a dashboard that type-checks). */
  readonly errors: ReadonlyMap<string, readonly string[]>;
  /** Errors the compiler reported outside the cases (a broken types module). */
  readonly other: readonly string[];
}

const TYPES_MODULE = join(REPO_ROOT, 'test', 'support', 'grafana-dashboard-types.ts');
const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

function moduleText(dir: string, json: unknown): string {
  const types = relative(dir, TYPES_MODULE);
  return [
    '// Written by test/support/grafana-typecheck.ts from a dashboard JSON file.',
    `import type { CairnDashboard, JsonOf } from '${types}';`,
    '',
    `export const dashboard: JsonOf<CairnDashboard> = ${JSON.stringify(json, null, 2)};`,
    '',
  ].join('\n');
}

function runTsc(project: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [TSC, '-p', project, '--pretty', 'false'], { cwd: REPO_ROOT, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      // Exit code 2 means "errors reported", which is an answer here; anything else is a failure to run.
      if (err !== null && err.code !== 2) reject(new Error(`tsc failed to run: ${err.message}\n${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

export async function typecheckDashboards(cases: readonly TypecheckCase[]): Promise<TypecheckResult> {
  const cache = join(REPO_ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'cairn-dashboard-types-'));
  try {
    for (const c of cases) {
      if (!/^[a-z0-9-]+$/.test(c.name)) throw new Error(`case name "${c.name}" is not file-name safe`);
      writeFileSync(join(dir, `${c.name}.ts`), moduleText(dir, c.json));
    }
    const project = join(dir, 'tsconfig.json');
    const config = { extends: join(REPO_ROOT, 'tsconfig.json'), compilerOptions: { noEmit: true }, include: [], files: cases.map((c) => `${c.name}.ts`) };
    writeFileSync(project, JSON.stringify(config, null, 2));
    const output = await runTsc(project);
    const errors = new Map<string, string[]>(cases.map((c) => [c.name, []]));
    const other: string[] = [];
    for (const line of output.split('\n').filter((l) => l.includes('error TS'))) {
      const name = /([a-z0-9-]+)\.ts\(\d+,\d+\): error/.exec(line)?.[1];
      const list = name === undefined ? undefined : errors.get(name);
      if (list === undefined) other.push(line);
      else list.push(line.slice(line.indexOf('error TS')));
    }
    return { errors, other };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
