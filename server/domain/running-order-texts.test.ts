import { describe, expect, it } from 'vitest';
import { attachText, editRunningOrder, emptyRunningOrder } from './running-order.ts';
import { withoutTexts } from './running-order-texts.ts';

const text = { type: 'text/plain' as const, bytes: 12, uploadedAt: '2022-02-22T13:00:00.000Z' };
const order = editRunningOrder(
  emptyRunningOrder('e', 's'),
  {
    items: [
      { id: 'hos-1', kind: 'statement', title: 'Statement', speaker: 'Head of State', prerecorded: true, plannedMs: 120_000 },
      { id: 'dg', kind: 'statement', title: 'Address', speaker: 'Director-General', plannedMs: 60_000 },
      { id: 'panel', kind: 'panel', title: 'Interactive panel', plannedMs: 600_000 },
    ],
  },
  () => true,
);

describe('dropping the notes of statements’ texts when their session is over (pure)', () => {
  it('drops every item’s text note in one new version, leaving the rest of each item as it was', () => {
    const withTexts = attachText(attachText(order, 'hos-1', text), 'dg', text);
    const after = withoutTexts(withTexts);
    expect(after.version).toBe(withTexts.version + 1);
    expect(after.items.map((i) => i.text)).toEqual([undefined, undefined, undefined]);
    expect(after.items.map((i) => ('text' in i ? 'text' : 'none'))).toEqual(['none', 'none', 'none']);
    expect(after.items.map(({ id, title, speaker, plannedMs }) => ({ id, title, speaker, plannedMs }))).toEqual(
      order.items.map(({ id, title, speaker, plannedMs }) => ({ id, title, speaker, plannedMs })),
    );
    expect(after.items[2]).toBe(withTexts.items[2]);
  });

  it('changes nothing (the same order, no new version) when no item has a text', () => {
    expect(withoutTexts(order)).toBe(order);
    expect(withoutTexts(emptyRunningOrder('e', 's'))).toEqual(emptyRunningOrder('e', 's'));
  });
});
