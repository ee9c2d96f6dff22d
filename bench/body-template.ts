// A pre-encoded OTLP request whose ids and sequence attributes sit at known byte offsets, so each
// send gets fresh, unique ids by patching a copy of the bytes instead of encoding again: the load
// generator shares two cores with the whole stack and must not spend them on protobuf encoding.
import { randomBytes } from 'node:crypto';

/** Where one item's patchable fields are in the encoded body. */
export interface ItemSlots {
  readonly traceId: number;
  readonly spanId: number;
  /** -1 when the item has no parent (root spans, log records). */
  readonly parentSpanId: number;
  readonly seq: number;
  /** Index of the item whose span id is this item's parent (its trace's root). */
  readonly parentItem: number;
  /** Trace group of the item within the body. */
  readonly traceIndex: number;
}

export interface BodyTemplate {
  readonly bytes: Buffer;
  readonly items: readonly ItemSlots[];
}

/** Width of the `bench.seq` string attribute: fixed, so patching never changes the encoding. */
export const SEQ_DIGITS = 12;

/** Random placeholders, unique within a body, found again after encoding. */
export interface Placeholders {
  readonly traceIds: Buffer[];
  readonly spanIds: Buffer[];
  readonly seqs: string[];
}

export function placeholders(traces: number, items: number): Placeholders {
  return {
    traceIds: Array.from({ length: traces }, () => randomBytes(16)),
    spanIds: Array.from({ length: items }, () => randomBytes(8)),
    // '~' appears in no generated attribute value, so a placeholder cannot match anything else.
    seqs: Array.from({ length: items }, () => `~${randomBytes(8).toString('base64url').slice(0, SEQ_DIGITS - 1)}`),
  };
}

export type Field = 'traceId' | 'spanId' | 'parentSpanId' | 'seq';

export interface ItemPlan {
  readonly traceIndex: number;
  /** -1 for roots and log records. */
  readonly parentItem: number;
}

/**
 * Finds each item's placeholders in encoding order (`order`: the fields as protobuf writes them,
 * by field number). Searching forward from the last hit keeps this linear in the body size.
 */
export function locateSlots(bytes: Buffer, ph: Placeholders, plan: readonly ItemPlan[], order: readonly Field[]): ItemSlots[] {
  let at = 0;
  const find = (needle: Buffer | string, what: string): number => {
    const i = bytes.indexOf(needle, at);
    if (i < 0) throw new Error(`bench body: placeholder for ${what} not found after byte ${at}`);
    at = i + needle.length;
    return i;
  };
  return plan.map((p, item) => {
    const found: Record<Field, number> = { traceId: -1, spanId: -1, parentSpanId: -1, seq: -1 };
    for (const field of order) {
      if (field === 'parentSpanId' && p.parentItem < 0) continue;
      const needle =
        field === 'traceId'
          ? placeholderAt(ph.traceIds, p.traceIndex)
          : field === 'seq'
            ? (ph.seqs[item] ?? '')
            : placeholderAt(ph.spanIds, field === 'spanId' ? item : p.parentItem);
      found[field] = find(needle, `${field} of item ${item}`);
    }
    return { ...found, parentItem: p.parentItem, traceIndex: p.traceIndex };
  });
}

function placeholderAt(list: readonly Buffer[], i: number): Buffer {
  const b = list[i];
  if (b === undefined) throw new Error(`bench body: no placeholder ${i}`);
  return b;
}

/** Identity of one send: a run nonce plus a request number, written into every id. */
export interface SendIdentity {
  /** 8 random bytes per run: trace ids never collide with other runs or other data. */
  readonly runNonce: Buffer;
  /** Non-zero 2-byte tag leading every span id (an all-zero span id is invalid). */
  readonly runTag: number;
  readonly request: number;
}

/**
 * A fresh copy of the template with unique ids: trace id = nonce | request (4 B) | trace index
 * (4 B); span id = tag | item sequence (6 B), item sequence = request * items + index.
 * `bench.seq` carries the item sequence in decimal.
 */
export function stamp(t: BodyTemplate, id: SendIdentity): Buffer {
  const out = Buffer.from(t.bytes);
  const base = id.request * t.items.length;
  t.items.forEach((s, i) => {
    id.runNonce.copy(out, s.traceId);
    out.writeUInt32BE(id.request, s.traceId + 8);
    out.writeUInt32BE(s.traceIndex, s.traceId + 12);
    writeSpanId(out, s.spanId, id.runTag, base + i);
    if (s.parentSpanId >= 0) writeSpanId(out, s.parentSpanId, id.runTag, base + s.parentItem);
    out.write(String(base + i).padStart(SEQ_DIGITS, '0'), s.seq, SEQ_DIGITS, 'latin1');
  });
  return out;
}

function writeSpanId(out: Buffer, at: number, tag: number, seq: number): void {
  out.writeUInt16BE(tag, at);
  out.writeUIntBE(seq, at + 2, 6);
}

/** The request number of a stored row, from its hex trace id (characters 17-24, 1-based). */
export const REQUEST_HEX_FROM = 17;
export const REQUEST_HEX_LENGTH = 8;
