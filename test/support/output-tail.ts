// The last lines a child process wrote (stdout and stderr), to put in the error when it fails to
// start: enough to see why without keeping its whole log.
import type { ChildProcess } from 'node:child_process';

export class OutputTail {
  private readonly lines: string[] = [];

  constructor(
    child: ChildProcess,
    private readonly keep = 30,
  ) {
    const take = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n').filter((l) => l.trim() !== '')) {
        this.lines.push(line);
        if (this.lines.length > this.keep) this.lines.shift();
      }
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
  }

  text(): string {
    return this.lines.join('\n');
  }
}
