// Read positions of every followed file, kept on disk so a restart resumes where delivery ended.
// Written only after the collector acknowledged the lines up to the position, and replaced
// atomically (write a temporary file, fsync, rename), so a crash leaves either the old or the new
// state, never a torn one.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../../common/runtime/env.ts';
import type { Position } from './file-tail.ts';

export class OffsetStore {
  private readonly positions = new Map<string, Position>();

  constructor(private readonly file: string) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new ConfigError(`cannot read the shipper's state file ${file} (CAIRN_SHIPPER_STATE): ${(err as Error).message}`);
    }
    let parsed: Record<string, { ino?: unknown; birth?: unknown; offset?: unknown }>;
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch (err) {
      // Written atomically, so only a hand edit gets here; guessing would skip or repeat lines.
      throw new ConfigError(
        `the shipper's state file ${file} (CAIRN_SHIPPER_STATE) is not valid JSON (${(err as Error).message}); fix it, or delete it to ship every followed file again from its start`,
      );
    }
    for (const [path, p] of Object.entries(parsed)) {
      if (typeof p.ino === 'number' && typeof p.offset === 'number') {
        this.positions.set(path, { ino: p.ino, birth: typeof p.birth === 'string' ? p.birth : '0', offset: p.offset });
      }
    }
  }

  get(path: string): Position | undefined {
    return this.positions.get(path);
  }

  /** Records positions and makes them durable before returning. */
  save(updates: ReadonlyMap<string, Position>): void {
    if (updates.size === 0) return;
    for (const [path, p] of updates) this.positions.set(path, p);
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(Object.fromEntries(this.positions), null, 1));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}
