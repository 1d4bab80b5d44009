import { describe, expect, it } from 'vitest';
import { defaultProtocolOrder, protocolOrderInput, sortByProtocol, type ProtocolRank } from './running-order-protocol.ts';
import { editRunningOrder, emptyRunningOrder } from './running-order.ts';

const item = (id: string, protocol?: ProtocolRank) => ({ id, ...(protocol ? { protocol } : {}) });
const ids = (items: { id: string }[]) => items.map((i) => i.id);

describe('protocol order (pure)', () => {
  it('puts ranked statements in protocol order, Heads of State first, keeping the order given within a rank', () => {
    const listed = [item('minister-a', 'minister'), item('pm-b', 'head_of_government'), item('president-c', 'head_of_state'), item('pm-d', 'head_of_government'), item('president-e', 'head_of_state')];
    expect(ids(sortByProtocol(listed))).toEqual(['president-c', 'president-e', 'pm-b', 'pm-d', 'minister-a']);
  });

  it('leaves unranked items in their places: they bound the runs sorted around them', () => {
    const listed = [item('business'), item('unions'), item('pm', 'head_of_government'), item('president', 'head_of_state'), item('panel'), item('social', 'social_partner'), item('vp', 'vice_president')];
    expect(ids(sortByProtocol(listed))).toEqual(['business', 'unions', 'president', 'pm', 'panel', 'vp', 'social']);
  });

  it('follows an event’s own ranking', () => {
    const ranks: ProtocolRank[] = ['head_of_organization', 'head_of_state', 'head_of_government', 'vice_president', 'minister', 'social_partner', 'other'];
    const listed = [item('president', 'head_of_state'), item('sg', 'head_of_organization')];
    expect(ids(sortByProtocol(listed, { ranks }))).toEqual(['sg', 'president']);
  });

  it('accepts a ranking only with every rank once', () => {
    expect(protocolOrderInput.safeParse(defaultProtocolOrder).success).toBe(true);
    expect(protocolOrderInput.safeParse({ ranks: ['head_of_state'] }).success).toBe(false);
    const twice = [...defaultProtocolOrder.ranks.slice(1), 'head_of_government'];
    expect(protocolOrderInput.safeParse({ ranks: twice }).success).toBe(false);
    expect(protocolOrderInput.safeParse({ ranks: [...defaultProtocolOrder.ranks.slice(1), 'emperor'] }).success).toBe(false);
  });

  it('sorts an edit only when asked, so a moderator can still move anyone by hand', () => {
    const items = [
      { id: 'pm', kind: 'statement' as const, title: 'Statement', speaker: 'Prime Minister', protocol: 'head_of_government' as const, plannedMs: 300_000 },
      { id: 'president', kind: 'statement' as const, title: 'Statement', speaker: 'President', protocol: 'head_of_state' as const, plannedMs: 300_000 },
    ];
    const asSent = editRunningOrder(emptyRunningOrder('e', 's'), { items }, () => true);
    expect(ids(asSent.items)).toEqual(['pm', 'president']);
    const sorted = editRunningOrder(asSent, { items, sort: 'protocol' }, () => true);
    expect(ids(sorted.items)).toEqual(['president', 'pm']);
    expect(sorted.items[0]).toMatchObject({ protocol: 'head_of_state' });
    expect(() => editRunningOrder(asSent, { items: [{ id: 'p', kind: 'panel', title: 'Panel', protocol: 'minister', plannedMs: 1 }] }, () => true)).toThrow(/protocol rank/);
  });
});
