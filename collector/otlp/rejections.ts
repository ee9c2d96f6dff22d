// Span rejection: the error thrown while converting one span, and the tally a decoder keeps of
// rejected spans, summarised into the bounded partial-success message returned to the sender.

/** Thrown inside one span's conversion; the decoder drops that span and keeps the rest. */
export class SpanRejection extends Error {
  override readonly name = 'SpanRejection';
}

const MAX_REASONS_SHOWN = 3;
const MAX_REASON_CHARS = 240;

/** Keeps a sender-supplied string (attribute key, enum name) short inside a reason. */
export function quoteForMessage(value: string): string {
  return value.length <= 64 ? `'${value}'` : `'${value.slice(0, 61)}...'`;
}

export class RejectionTally {
  count = 0;
  private readonly reasons: string[] = [];
  private reasonsOmitted = false;

  /** Records `spans` rejected spans at `where` (e.g. "resource 0 scope 1 span 3") for `reason`. */
  add(where: string, reason: string, spans = 1): void {
    if (spans <= 0) return;
    this.count += spans;
    if (this.reasons.length < MAX_REASONS_SHOWN) {
      const line = `${where}: ${reason}`;
      this.reasons.push(line.length <= MAX_REASON_CHARS ? line : `${line.slice(0, MAX_REASON_CHARS - 3)}...`);
    } else {
      this.reasonsOmitted = true;
    }
  }

  /** '' when nothing was rejected, as OTLP partial success expects. */
  message(): string {
    if (this.count === 0) return '';
    const noun = this.count === 1 ? 'span' : 'spans';
    return `${this.count} ${noun} rejected: ${this.reasons.join('; ')}${this.reasonsOmitted ? '; ...' : ''}`;
  }
}
