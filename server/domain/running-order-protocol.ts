import { z } from 'zod';

/**
 * Protocol order (issue 18): the speakers listed in advance speak by
 * protocol rank, Heads of State first, then Heads of Government, and so
 * on; each event may rank them otherwise (its protocol order). Pure.
 *
 * Only statements that carry a rank are sorted, and only among the
 * neighbours that carry one too: an item without a rank (a panel, the open
 * floor, a break, or a statement the programme fixes in its place, such
 * as the opening remarks) stays where it is and bounds the runs around
 * it. Within a rank the order given is kept (the order of inscription),
 * and a moderator may still move anyone by hand afterwards: sorting is
 * something an editor asks for, not a rule every save enforces.
 */
export const protocolRanks = ['head_of_state', 'head_of_government', 'vice_president', 'minister', 'head_of_organization', 'social_partner', 'other'] as const;
export type ProtocolRank = (typeof protocolRanks)[number];
export const protocolRank = z.enum(protocolRanks);

/** An event's ranking: every rank once, in the order they speak. */
export const protocolOrderInput = z.strictObject({
  ranks: z
    .array(protocolRank)
    .length(protocolRanks.length)
    .refine((ranks) => new Set(ranks).size === ranks.length, 'each rank once'),
});
export type ProtocolOrder = z.infer<typeof protocolOrderInput>;
export const defaultProtocolOrder: ProtocolOrder = { ranks: [...protocolRanks] };

/** `items` with each run of ranked neighbours in protocol order (stable within a rank); unranked items keep their places. */
export function sortByProtocol<T extends { protocol?: ProtocolRank }>(items: readonly T[], order: ProtocolOrder = defaultProtocolOrder): T[] {
  const place = new Map(order.ranks.map((rank, i) => [rank, i]));
  const out: T[] = [];
  let run: T[] = [];
  const flush = (): void => {
    // Array.prototype.sort is stable, so equal ranks keep their order.
    out.push(...run.sort((a, b) => (place.get(a.protocol as ProtocolRank) ?? 0) - (place.get(b.protocol as ProtocolRank) ?? 0)));
    run = [];
  };
  for (const item of items) {
    if (item.protocol) run.push(item);
    else {
      flush();
      out.push(item);
    }
  }
  flush();
  return out;
}
