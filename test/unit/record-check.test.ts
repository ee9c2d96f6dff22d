// Which Kafka records the ingester inserts and which go to the dead-letter topic: only spans.v1
// records holding one line of JSON object text pass, and they pass through byte for byte.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeSpanRow, SPAN_ROW_FORMAT } from '../../common/clickhouse/span-row.ts';
import { checkRecord } from '../../collector/ingest/record-check.ts';
import { tracesSignal } from '../../collector/signals/traces.ts';

const checkSpanRecord = (value: Buffer | null, format: string | undefined): ReturnType<typeof checkRecord> =>
  checkRecord(tracesSignal, value, format);
import { syntheticSpan } from '../support/synthetic-span.ts';

void describe('checkRecord (traces signal)', () => {
  void it('accepts an encoded span row and returns its exact text', () => {
    const row = encodeSpanRow({ ...syntheticSpan(3, 'rc'), statusMessage: 'multi\nline "text" 😀' });
    assert.deepEqual(checkSpanRecord(Buffer.from(row, 'utf8'), SPAN_ROW_FORMAT), { ok: true, format: SPAN_ROW_FORMAT, lines: [row] });
  });

  void it('rejects a missing or unknown format header, whatever the value', () => {
    const value = Buffer.from(encodeSpanRow(syntheticSpan(1, 'rc')));
    for (const format of [undefined, '', 'spans.v2', 'SPANS.V1', 'spans.v1 ']) {
      assert.deepEqual(checkSpanRecord(value, format), { ok: false, reason: 'format' }, String(format));
    }
    assert.deepEqual(checkSpanRecord(null, undefined), { ok: false, reason: 'format' });
  });

  void it('rejects empty values and tombstones as undecodable', () => {
    assert.deepEqual(checkSpanRecord(null, SPAN_ROW_FORMAT), { ok: false, reason: 'decode' });
    assert.deepEqual(checkSpanRecord(Buffer.alloc(0), SPAN_ROW_FORMAT), { ok: false, reason: 'decode' });
  });

  void it('accepts several rows, one JSON object per line, in order', () => {
    assert.deepEqual(checkSpanRecord(Buffer.from('{"a":1}\n{"b":2}'), SPAN_ROW_FORMAT), {
      ok: true,
      format: SPAN_ROW_FORMAT,
      lines: ['{"a":1}', '{"b":2}'],
    });
  });

  void it('rejects values with a line that is not one JSON object', () => {
    for (const text of ['not json', '{"a":1', '[]', '[{"a":1}]', 'null', '42', '"str"', 'true', '{"a":1}{"b":2}', '{"a":1}\nnot json']) {
      assert.deepEqual(checkSpanRecord(Buffer.from(text), SPAN_ROW_FORMAT), { ok: false, reason: 'decode' }, text);
    }
  });

  void it('rejects a JSON object spread over several lines (the batch body is newline-separated)', () => {
    assert.deepEqual(checkSpanRecord(Buffer.from('{\n"a": 1\n}'), SPAN_ROW_FORMAT), { ok: false, reason: 'decode' });
    assert.deepEqual(checkSpanRecord(Buffer.from('{"a":1}\n'), SPAN_ROW_FORMAT), { ok: false, reason: 'decode' });
  });

  void it('accepts exactly the single-line JSON objects among JSON texts (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 1 : undefined);
        const verdict = checkSpanRecord(Buffer.from(text, 'utf8'), SPAN_ROW_FORMAT);
        const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
        assert.equal(verdict.ok, isObject && !text.includes('\n'));
        if (verdict.ok) assert.deepEqual(verdict.lines, [text]);
      }),
    );
  });
});
