// The shipper's file following on a real filesystem: complete lines only, batches that resume
// exactly, rename and copy-truncate rotation, and restarts from a saved position, including one
// whose file was rotated away while the shipper was stopped.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FileTail } from '../../agents/shipper/file-tail.ts';
import type { Position } from '../../agents/shipper/file-tail.ts';
import { parseLine } from '../../agents/shipper/line-parser.ts';

let dir = '';
let file = '';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-tail-'));
  file = join(dir, 'app.log');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function texts(tail: FileTail, max = 100): string[] {
  return tail.read(max).map((l) => l.text);
}

void describe('FileTail', () => {
  void it('returns complete lines only; a partial last line waits for its newline', () => {
    writeFileSync(file, 'one\ntwo\nthr');
    const tail = new FileTail(file, undefined);
    assert.deepEqual(texts(tail), ['one', 'two']);
    assert.deepEqual(texts(tail), []);
    appendFileSync(file, 'ee\r\nfour\n');
    assert.deepEqual(texts(tail), ['three', 'four']);
    tail.close();
  });

  void it('waits for a file that does not exist yet', () => {
    const tail = new FileTail(file, undefined);
    assert.deepEqual(texts(tail), []);
    writeFileSync(file, 'late\n');
    assert.deepEqual(texts(tail), ['late']);
    tail.close();
  });

  void it('batches resume exactly, and a saved position resumes after the last delivered line', () => {
    writeFileSync(file, Array.from({ length: 10 }, (_, i) => `line-${i}`).join('\n') + '\n');
    const tail = new FileTail(file, undefined);
    const first = tail.read(4);
    assert.deepEqual(first.map((l) => l.text), ['line-0', 'line-1', 'line-2', 'line-3']);
    assert.deepEqual(texts(tail, 3), ['line-4', 'line-5', 'line-6']);
    tail.close();
    const saved = first[first.length - 1]?.after;
    const resumed = new FileTail(file, saved);
    assert.deepEqual(texts(resumed), ['line-4', 'line-5', 'line-6', 'line-7', 'line-8', 'line-9']);
    resumed.close();
  });

  void it('rename rotation: the old file is read to its end (late writes included), then the new one from its start', () => {
    writeFileSync(file, 'a\nb\n');
    const tail = new FileTail(file, undefined);
    assert.deepEqual(texts(tail), ['a', 'b']);
    renameSync(file, `${file}.1`);
    appendFileSync(`${file}.1`, 'late\nunterminated');
    writeFileSync(file, 'c\n');
    assert.deepEqual(texts(tail), ['late', 'unterminated', 'c']);
    appendFileSync(file, 'd\n');
    assert.deepEqual(texts(tail), ['d']);
    tail.close();
  });

  void it('rotate wait: a rotated file still being written keeps being read; the new file waits until it is quiet', () => {
    let now = 0;
    writeFileSync(file, 'a\n');
    const tail = new FileTail(file, undefined, { rotateWaitMs: 1000, now: () => now });
    assert.deepEqual(texts(tail), ['a']);
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'new-1\n');
    assert.deepEqual(texts(tail), [], 'the rotated file just changed hands: wait');
    now = 600;
    appendFileSync(`${file}.1`, 'late\n');
    assert.deepEqual(texts(tail), ['late'], 'the writer has not reopened yet');
    now = 1500;
    assert.deepEqual(texts(tail), [], 'quiet for 900 ms only');
    now = 1700;
    assert.deepEqual(texts(tail), ['new-1']);
    tail.close();
  });

  void it('several rotations while behind: every rotated file is read, oldest first, none twice', () => {
    writeFileSync(file, 'a1\na2\n');
    const tail = new FileTail(file, undefined);
    assert.deepEqual(texts(tail, 1), ['a1']);
    // Numbered rotation: app.log -> app.log.1 -> app.log.2, twice, while the tail holds a1's file.
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'b1\n');
    renameSync(`${file}.1`, `${file}.2`);
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'c1\n');
    writeFileSync(`${file}.3.gz`, 'not text\n');
    assert.deepEqual(texts(tail), ['a2', 'b1', 'c1']);
    appendFileSync(file, 'c2\n');
    assert.deepEqual(texts(tail), ['c2']);
    tail.close();
  });

  void it('copy-truncate rotation: reading restarts at the beginning of the truncated file', () => {
    writeFileSync(file, 'old-1\nold-2\n');
    const tail = new FileTail(file, undefined);
    assert.deepEqual(texts(tail), ['old-1', 'old-2']);
    truncateSync(file, 0);
    appendFileSync(file, 'new\n');
    assert.deepEqual(texts(tail), ['new']);
    tail.close();
  });

  void it('a restart whose file was rotated away finishes the rotated file first', () => {
    writeFileSync(file, 'x1\nx2\n');
    const tail = new FileTail(file, undefined);
    const got = tail.read(1);
    tail.close();
    const saved: Position | undefined = got[0]?.after;
    // While stopped: one more line, rotation, and a new file.
    appendFileSync(file, 'x3\n');
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'y1\n');
    const resumed = new FileTail(file, saved);
    assert.deepEqual(texts(resumed), ['x2', 'x3', 'y1']);
    resumed.close();
  });

  void it('cuts a runaway line instead of holding the file back', () => {
    writeFileSync(file, `${'z'.repeat(300 * 1024)}\nnext\n`);
    const tail = new FileTail(file, undefined);
    const lines = texts(tail);
    assert.equal(lines[0]?.length, 256 * 1024);
    assert.equal(lines.at(-1), 'next');
    tail.close();
  });
});

void describe('line parsing', () => {
  const observed = 1_700_000_000_000_000_000n;

  void it('pino JSON: time, numeric level, message, trace context; other fields become attributes', () => {
    const r = parseLine(
      JSON.stringify({ level: 50, time: 1_763_800_000_123, msg: 'card declined', trace_id: 'AB'.repeat(16), span_id: 'cd'.repeat(8), amount: 12.5, retries: 2, ok: false }),
      { kind: 'json' },
      observed,
    );
    assert.equal(r.timeUnixNano, '1763800000123000000');
    assert.equal(r.severityNumber, 17);
    assert.equal(r.severityText, 'ERROR');
    assert.deepEqual(r.body, { stringValue: 'card declined' });
    assert.equal(r.traceId, 'ab'.repeat(16));
    assert.equal(r.spanId, 'cd'.repeat(8));
    assert.deepEqual(r.attributes, [
      { key: 'amount', value: { doubleValue: 12.5 } },
      { key: 'retries', value: { intValue: '2' } },
      { key: 'ok', value: { boolValue: false } },
    ]);
  });

  void it('ISO timestamps and string levels; a line that is not JSON keeps its text', () => {
    const r = parseLine('{"timestamp":"2026-11-22T10:00:00.5Z","severity":"warning","message":"slow"}', { kind: 'json' }, observed);
    assert.equal(r.timeUnixNano, '1795341600500000000');
    assert.equal(r.severityNumber, 13);
    const text = parseLine('plain words {', { kind: 'json' }, observed);
    assert.deepEqual(text.body, { stringValue: 'plain words {' });
    assert.equal(text.timeUnixNano, observed.toString());
  });

  void it('text format: named groups give time, level and message; an unmatched line is kept whole', () => {
    const format = { kind: 'text' as const, pattern: /^(?<time>\S+) \[(?<level>\w+)\] (?<message>.*)$/ };
    const r = parseLine('2026-11-22T10:00:00Z [ERROR] disk full', format, observed);
    assert.equal(r.severityText, 'ERROR');
    assert.deepEqual(r.body, { stringValue: 'disk full' });
    assert.equal(r.timeUnixNano, '1795341600000000000');
    assert.deepEqual(parseLine('garbage', format, observed).body, { stringValue: 'garbage' });
  });
});
