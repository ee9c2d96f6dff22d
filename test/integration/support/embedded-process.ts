// `cairn start` (the embedded default) as a real child process, as a user runs it; and free
// loopback ports (deploy/local/free-port.ts) for the processes a test starts.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { freePort } from '../../../deploy/local/free-port.ts';
import { REPO_ROOT } from '../../../deploy/local/paths.ts';

export type EmbeddedEnv = Readonly<Record<'CAIRN_DATA_DIR' | 'CAIRN_OTLP_HTTP_PORT' | 'CAIRN_OTLP_GRPC_PORT' | 'CAIRN_QUERY_PORT' | 'CAIRN_LOG_LEVEL', string>>;

/** Settings for a `cairn start` of the test's own: its data folder and free ports. */
export async function embeddedEnv(dataDir: string): Promise<EmbeddedEnv> {
  return {
    CAIRN_DATA_DIR: dataDir,
    CAIRN_OTLP_HTTP_PORT: String(await freePort()),
    CAIRN_OTLP_GRPC_PORT: String(await freePort()),
    CAIRN_QUERY_PORT: String(await freePort()),
    CAIRN_LOG_LEVEL: 'warn',
  };
}

export interface RunningCairn {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** SIGINT, as Ctrl-C; resolves to the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no flush, no close. */
  kill9(): Promise<void>;
}

/** Starts `cairn start` and resolves once it prints that it is running (60 s at most). */
export async function startEmbedded(env: Readonly<Record<string, string>>, extraArgs: readonly string[] = []): Promise<RunningCairn> {
  const child = spawn(process.execPath, ['bin/cairn.js', 'start', ...extraArgs], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`cairn start did not report ready within 60 s:\n${out}`));
    }, 60_000);
    child.stdout.on('data', () => {
      if (out.includes('Cairn is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`cairn start exited with ${code}:\n${out}`));
    });
  });
  try {
    await ready;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return exited;
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
