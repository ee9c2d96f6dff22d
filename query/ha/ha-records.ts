// The JSON stored in the election's znodes. Decoding is defensive: a znode written by another
// version or by hand yields null (shown as unknown), never an exception in the election loop.

export interface MemberRecord {
  readonly memberId: string;
  /** Where the replica serves HTTP, if known (its successor probes it; /api/v1/cluster shows it). */
  readonly url: string | null;
  /** ISO time the replica joined. */
  readonly since: string;
}

export interface EpochRecord {
  readonly memberId: string;
  /** The member znode that claimed the epoch. */
  readonly znode: string;
  /** Random per claim, so a claim whose answer was lost can be recognised as ours. */
  readonly nonce: string;
  readonly at: string;
}

export interface ActionRecord {
  readonly epoch: number;
  readonly memberId: string;
  readonly job: string;
  readonly what: string;
  readonly at: string;
}

function parse(data: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function text(o: Record<string, unknown>, key: string): string | null {
  const v = o[key];
  return typeof v === 'string' ? v : null;
}

export function encodeRecord(record: MemberRecord | EpochRecord | ActionRecord): Buffer {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

export function decodeMember(data: Buffer): MemberRecord | null {
  const o = parse(data);
  if (o === null) return null;
  const memberId = text(o, 'memberId');
  const since = text(o, 'since');
  if (memberId === null || since === null) return null;
  return { memberId, since, url: text(o, 'url') };
}

export function decodeEpoch(data: Buffer): EpochRecord | null {
  const o = parse(data);
  if (o === null) return null;
  const memberId = text(o, 'memberId');
  const znode = text(o, 'znode');
  const nonce = text(o, 'nonce');
  const at = text(o, 'at');
  if (memberId === null || znode === null || nonce === null || at === null) return null;
  return { memberId, znode, nonce, at };
}

export function decodeAction(data: Buffer): ActionRecord | null {
  const o = parse(data);
  if (o === null) return null;
  const epoch = o['epoch'];
  const memberId = text(o, 'memberId');
  const job = text(o, 'job');
  const what = text(o, 'what');
  const at = text(o, 'at');
  if (typeof epoch !== 'number' || !Number.isInteger(epoch) || memberId === null || job === null || what === null || at === null) return null;
  return { epoch, memberId, job, what, at };
}
