// Follows one log file by path, line by line, across rotation. A position is (inode, byte offset
// of the next unread line), so it survives the file being renamed away: on rotation the old file
// is read to its end, then every file rotated after it (the path's siblings `app.log.1`, ...,
// in creation order) and finally the file now at the path. So a shipper that fell behind by
// several rotations (collector down) still reads every file, as long as the rotated files are
// kept. A restart whose saved inode is no longer at the path finds it among the siblings the same
// way. Files are told apart by inode and birth time: a new file may reuse a deleted one's inode.
// A line is only complete once its newline is written; a partial last line waits. A rotated file
// is read until it has been unchanged for `rotateWaitMs`: the writing process may keep appending
// to it until it reopens its log.
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface Position {
  readonly ino: number;
  /** Birth time in ns, as decimal text ('0' where the filesystem does not record it). */
  readonly birth: string;
  readonly offset: number;
}

export interface TailOptions {
  readonly rotateWaitMs: number;
  /** Injected for tests. */
  readonly now?: () => number;
}

export interface TailLine {
  readonly text: string;
  /** Where reading resumes after this line: save it once the line is delivered. */
  readonly after: Position;
}

const CHUNK = 64 * 1024;
/** A "line" longer than this is cut: one runaway write must not hold the whole file back. */
export const MAX_LINE_BYTES = 256 * 1024;

interface Open {
  fd: number;
  ino: number;
  offset: number;
  /** Inode and birth time: which file this is, even after its inode number is reused. */
  id: string;
  birthNs: bigint;
  /** Set once the path points at another file: the size last seen and since when it held. */
  rotated: { size: number; since: number } | null;
}

/** Rotated files compressed by logrotate and the like: not text to follow. */
const COMPRESSED = /\.(gz|bz2|xz|zst|zip|lz4)$/;

/** How many finished files are remembered, so a rotated file is never read twice. */
const FINISHED_KEPT = 256;

function fileId(ino: bigint | number, birthNs: bigint): string {
  return `${String(ino)}:${String(birthNs)}`;
}

function statOrNull(path: string): BigIntStats | null {
  try {
    return statSync(path, { bigint: true });
  } catch {
    return null;
  }
}

function sameFile(st: BigIntStats, p: Position): boolean {
  return Number(st.ino) === p.ino && (p.birth === '0' || st.birthtimeNs === 0n || String(st.birthtimeNs) === p.birth);
}

export class FileTail {
  private current: Open | null = null;
  private readonly finished: string[] = [];
  /** Bytes read past the last complete line, not yet a line. */
  private pending = Buffer.alloc(0);

  private readonly now: () => number;

  constructor(
    readonly path: string,
    private readonly saved: Position | undefined,
    private readonly options: TailOptions = { rotateWaitMs: 0 },
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Bytes not read yet: the rest of the open file and, after a rotation, the file at the path. */
  backlogBytes(): number {
    const cur = this.current;
    const atPath = statOrNull(this.path);
    if (cur === null) return atPath === null ? 0 : Number(atPath.size);
    const rest = Math.max(0, fstatSync(cur.fd).size - cur.offset);
    return rest + (atPath !== null && Number(atPath.ino) !== cur.ino ? Number(atPath.size) : 0);
  }

  /** Up to `max` complete lines, oldest first; [] when there is nothing new. */
  read(max: number): TailLine[] {
    const out: TailLine[] = [];
    for (let guard = 0; out.length < max && guard < 4; guard++) {
      if (this.current === null && !this.openInitial()) return out;
      const cur = this.current;
      if (cur === null) return out;
      this.drain(cur, max, out);
      if (out.length >= max) return out;
      // At the end of what is open: has the path moved on to a new file (rotation), or been
      // truncated in place (copytruncate)?
      const now = statOrNull(this.path);
      if (now === null) return out;
      if (Number(now.ino) !== cur.ino) {
        this.drain(cur, max, out);
        if (out.length >= max || !this.quiet(cur)) return out;
        // The rotated file stopped growing: its unterminated last line is a line after all.
        if (this.pending.length > 0) {
          cur.offset += this.pending.length;
          out.push({ text: this.pending.toString('utf8'), after: this.position(cur) });
        }
        this.finish(cur);
        this.openNext(cur.birthNs);
        continue;
      }
      if (Number(now.size) < cur.offset + this.pending.length) {
        this.pending = Buffer.alloc(0);
        cur.offset = 0;
        continue;
      }
      return out;
    }
    return out;
  }

  close(): void {
    if (this.current !== null) closeSync(this.current.fd);
    this.current = null;
  }

  /** Whether a rotated file has been unchanged for the rotate wait (a writer may still hold it). */
  private quiet(cur: Open): boolean {
    const size = fstatSync(cur.fd).size;
    const now = this.now();
    if (cur.rotated?.size !== size) cur.rotated = { size, since: now };
    return now - cur.rotated.since >= this.options.rotateWaitMs;
  }

  private position(cur: Open): Position {
    return { ino: cur.ino, birth: String(cur.birthNs), offset: cur.offset };
  }

  /** Opens where the saved position says: the same file at the path, or a rotated sibling. */
  private openInitial(): boolean {
    const saved = this.saved;
    const now = statOrNull(this.path);
    if (saved !== undefined && (now === null || !sameFile(now, saved))) {
      const rotated = this.siblings().find((f) => sameFile(f.stats, saved));
      if (rotated !== undefined) {
        this.openAt(rotated.path, saved.offset);
        return this.current !== null;
      }
    }
    if (now === null) return false;
    const offset = saved !== undefined && sameFile(now, saved) && saved.offset <= Number(now.size) ? saved.offset : 0;
    this.openAt(this.path, offset);
    return this.current !== null;
  }

  private finish(cur: Open): void {
    this.finished.push(cur.id);
    if (this.finished.length > FINISHED_KEPT) this.finished.shift();
  }

  /**
   * After a file is done: the oldest file born after it that was not read yet, among the rotated
   * siblings and the path itself. Usually that is the file now at the path.
   */
  private openNext(afterBirthNs: bigint): void {
    const candidates = [...this.siblings(), ...this.atPath()]
      .filter((f) => f.stats.birthtimeNs >= afterBirthNs && !this.finished.includes(fileId(f.stats.ino, f.stats.birthtimeNs)))
      .sort((a, b) => (a.stats.birthtimeNs < b.stats.birthtimeNs ? -1 : a.stats.birthtimeNs > b.stats.birthtimeNs ? 1 : 0));
    const next = candidates[0];
    this.close();
    this.pending = Buffer.alloc(0);
    if (next !== undefined) this.openAt(next.path, 0);
  }

  private atPath(): { path: string; stats: BigIntStats }[] {
    try {
      return [{ path: this.path, stats: statSync(this.path, { bigint: true }) }];
    } catch {
      return [];
    }
  }

  /** Rotated copies of the path: same directory, name starting with the path's name, not compressed. */
  private siblings(): { path: string; stats: BigIntStats }[] {
    const dir = dirname(this.path);
    const base = basename(this.path);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    const out: { path: string; stats: BigIntStats }[] = [];
    for (const name of names) {
      if (!name.startsWith(base) || name === base || COMPRESSED.test(name)) continue;
      try {
        out.push({ path: join(dir, name), stats: statSync(join(dir, name), { bigint: true }) });
      } catch {
        // Rotated away again while listing: not there to read.
      }
    }
    return out;
  }

  private openAt(path: string, offset: number): void {
    this.close();
    this.pending = Buffer.alloc(0);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return;
    }
    // What was opened is what counts, whatever was stat-ed before.
    const st = fstatSync(fd, { bigint: true });
    this.current = { fd, ino: Number(st.ino), offset: offset <= Number(st.size) ? offset : 0, id: fileId(st.ino, st.birthtimeNs), birthNs: st.birthtimeNs, rotated: null };
  }

  /** Reads complete lines from the open file until its end or `max`. */
  private drain(cur: Open, max: number, out: TailLine[]): void {
    const buf = Buffer.alloc(CHUNK);
    while (out.length < max) {
      const n = readSync(cur.fd, buf, 0, CHUNK, cur.offset + this.pending.length);
      if (n === 0) return;
      let data = Buffer.concat([this.pending, buf.subarray(0, n)]);
      let start = 0;
      for (;;) {
        const nl = data.indexOf(0x0a, start);
        const tooLong = (nl < 0 ? data.length : nl) - start > MAX_LINE_BYTES;
        const cut = tooLong ? start + MAX_LINE_BYTES : -1;
        if (nl < 0 && cut < 0) break;
        const end = cut >= 0 ? cut : nl;
        const next = cut >= 0 ? cut : nl + 1;
        const text = data.subarray(start, end).toString('utf8').replace(/\r$/, '');
        cur.offset += next - start;
        start = next;
        out.push({ text, after: this.position(cur) });
        if (out.length >= max) break;
      }
      data = data.subarray(start);
      this.pending = Buffer.from(data);
      if (out.length >= max) {
        // Unconsumed bytes are re-read next time from cur.offset.
        this.pending = Buffer.alloc(0);
        return;
      }
    }
  }
}
