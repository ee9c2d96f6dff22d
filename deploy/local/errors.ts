// The one error type of the stack commands: says what failed, where to look, and what to do.
import { existsSync, readFileSync } from 'node:fs';
import { shortPath } from './log.ts';

export class StackError extends Error {
  override readonly name = 'StackError';

  constructor(
    readonly what: string,
    readonly hint: string,
    readonly logPath?: string,
  ) {
    super(formatMessage(what, hint, logPath));
  }
}

function formatMessage(what: string, hint: string, logPath: string | undefined): string {
  const lines = [what];
  if (logPath !== undefined) {
    lines.push(`  log: ${shortPath(logPath)}`);
    const tail = logTail(logPath, 15);
    if (tail !== '') lines.push('  last log lines:', ...tail.split('\n').map((l) => `    | ${l}`));
  }
  lines.push(`  what to do: ${hint}`);
  return lines.join('\n');
}

function logTail(path: string, count: number): string {
  if (!existsSync(path)) return '';
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  return lines.slice(-count).join('\n');
}
