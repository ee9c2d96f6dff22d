// Development entry point: `npx tsx deploy/local/run.ts up|down [--purge]|status`.
import { StackError } from './errors.ts';
import { stackDown, stackStatus, stackUp } from './stack.ts';

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...flags] = argv;
  switch (command) {
    case 'up':
      await stackUp();
      return 0;
    case 'down':
      await stackDown({ purge: flags.includes('--purge') });
      return 0;
    case 'status': {
      const rows = await stackStatus();
      for (const r of rows) {
        const state = r.healthy ? 'healthy' : r.running ? 'UNHEALTHY' : 'stopped';
        console.log(`${r.name.padEnd(16)} ${String(r.pid ?? '-').padEnd(8)} ${state.padEnd(10)} ${r.endpoint}`);
      }
      return rows.every((r) => r.healthy) ? 0 : 1;
    }
    default:
      console.error('usage: tsx deploy/local/run.ts up | down [--purge] | status');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof StackError ? `[stack] FAILED: ${err.message}` : err);
    process.exitCode = 1;
  },
);
