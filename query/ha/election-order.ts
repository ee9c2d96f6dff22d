// Who leads and whom each follower watches, from the names of the member znodes alone. ZooKeeper
// appends a 10-digit counter to a sequential znode (it wraps to negative past 2^31 - 1; that many
// joins in one election is not a case Cairn handles). The lowest counter leads; every other
// member watches only the member just below it, so a departure wakes one replica, not all.

export type ElectionDecision =
  | { readonly kind: 'lead' }
  | { readonly kind: 'follow'; readonly predecessor: string }
  /** Our own znode is not among the children: it was removed; join again. */
  | { readonly kind: 'absent' };

const MEMBER = /^m-(\d{10})$/;

/** The sequence number of a member znode name, or null for anything else in the directory. */
export function memberSequence(name: string): number | null {
  const match = MEMBER.exec(name);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** Member znode names in election order (lowest sequence first); foreign names are ignored. */
export function electionOrder(children: readonly string[]): string[] {
  return children
    .map((name) => ({ name, seq: memberSequence(name) }))
    .filter((c): c is { name: string; seq: number } => c.seq !== null)
    .sort((a, b) => a.seq - b.seq)
    .map((c) => c.name);
}

export function decide(children: readonly string[], self: string): ElectionDecision {
  const order = electionOrder(children);
  const index = order.indexOf(self);
  if (index < 0) return { kind: 'absent' };
  const predecessor = order[index - 1];
  return predecessor === undefined ? { kind: 'lead' } : { kind: 'follow', predecessor };
}
