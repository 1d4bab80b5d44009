import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { advance, approveRecording, attachRecording, editRunningOrder, emptyRunningOrder, runningOrderInput, timings, viewOfItem, type RunRecording } from './running-order.ts';

const t0 = new Date('2022-02-22T13:00:00Z');
const at = (s: number): Date => new Date(t0.getTime() + s * 1000);
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof AppError ? e.code : 'not-app-error';
  }
  return undefined;
};
const script = [
  { id: 'opening', kind: 'statement' as const, title: 'Opening remarks', speaker: 'ILO Director-General', plannedMs: 60_000 },
  { id: 'hos-1', kind: 'statement' as const, title: 'Statement', speaker: 'Head of State', prerecorded: true, plannedMs: 120_000 },
  { id: 'panel', kind: 'panel' as const, title: 'Interactive panel', plannedMs: 1_800_000 },
];

describe('running order (pure)', () => {
  it('validates items: kinds, negative durations, duplicates, pre-recorded non-statements, unknown speakers', () => {
    expect(runningOrderInput.safeParse({ items: [{ id: 'a', kind: 'speech', title: 'x', plannedMs: 1 }] }).success).toBe(false);
    expect(runningOrderInput.safeParse({ items: [{ id: 'a', kind: 'break', title: 'x', plannedMs: -1 }] }).success).toBe(false);
    expect(runningOrderInput.safeParse({ items: [{ id: 'a', kind: 'break', title: '', plannedMs: 1 }] }).success).toBe(false);
    const order = emptyRunningOrder('e', 's');
    expect(codeOf(() => editRunningOrder(order, { items: [script[0]!, script[0]!] }, () => true))).toBe('invalid_running_order');
    expect(codeOf(() => editRunningOrder(order, { items: [{ ...script[2]!, prerecorded: true }] }, () => true))).toBe('invalid_running_order');
    expect(codeOf(() => editRunningOrder(order, { items: [{ ...script[0]!, speakerId: 'nobody' }] }, () => false))).toBe('unknown_speaker');
    expect(codeOf(() => editRunningOrder(order, { version: 3, items: script }, () => true))).toBe('running_order_changed');
  });

  it('versions edits, advances forward and back, and keeps planned against actual time', () => {
    let order = editRunningOrder(emptyRunningOrder('e', 's'), { version: 0, items: script }, () => true);
    expect(order.version).toBe(1);
    order = advance(order, 'opening', at(0));
    expect(order).toMatchObject({ version: 2, currentItemId: 'opening' });
    expect(advance(order, 'opening', at(5))).toBe(order);
    expect(codeOf(() => advance(order, 'nope', at(5)))).toBe('run_item_not_found');
    // The item in progress cannot be removed.
    expect(codeOf(() => editRunningOrder(order, { items: script.slice(1) }, () => true))).toBe('invalid_running_order');
    order = advance(order, 'hos-1', at(90));
    expect(order.items.map((i) => i.status)).toEqual(['done', 'current', 'pending']);
    order = advance(order, 'opening', at(100)); // back
    order = advance(order, null, at(110)); // stop
    expect(order.currentItemId).toBeNull();
    const t = timings(order, at(200));
    expect(t[0]).toMatchObject({ id: 'opening', plannedMs: 60_000, actualMs: 100_000, overrunMs: 40_000, status: 'done' });
    expect(t[1]).toMatchObject({ id: 'hos-1', actualMs: 10_000, overrunMs: 0 });
    // An edit keeps what happened to items that stay.
    const edited = editRunningOrder(order, { items: [...script].reverse() }, () => true);
    expect(edited.items.find((i) => i.id === 'opening')).toMatchObject({ status: 'done', actualMs: 100_000 });
  });

  it('attaches a video to a pre-recorded statement only, and shows viewers no file path', () => {
    const order = editRunningOrder(emptyRunningOrder('e', 's'), { items: script }, () => true);
    const rec: RunRecording = { file: 'x/y.mp4', container: 'mp4', bytes: 10, sha256: 'ab', durationMs: 3000, video: true, audio: true, uploadedAt: t0.toISOString(), uploadedBy: null };
    expect(codeOf(() => attachRecording(order, 'opening', rec))).toBe('not_prerecorded');
    const withVideo = attachRecording(order, 'hos-1', rec);
    const view = viewOfItem(withVideo.items[1]!);
    expect(view.recording).toEqual({ durationMs: 3000, video: true, audio: true, uploadedAt: t0.toISOString(), approved: false });
    expect(JSON.stringify(view)).not.toContain('x/y.mp4');
  });

  it('plays only a video a moderator approved; a new upload needs approving again', () => {
    const order = editRunningOrder(emptyRunningOrder('e', 's'), { items: script }, () => true);
    const rec: RunRecording = { file: 'x/y.mp4', container: 'mp4', bytes: 10, sha256: 'ab', durationMs: 3000, video: true, audio: true, uploadedAt: t0.toISOString(), uploadedBy: null };
    expect(codeOf(() => approveRecording(order, 'hos-1', 'mod', t0))).toBe('not_prerecorded');
    expect(codeOf(() => approveRecording(order, 'ghost', 'mod', t0))).toBe('run_item_not_found');
    const approved = approveRecording(attachRecording(order, 'hos-1', rec), 'hos-1', 'mod', t0);
    expect(approved.items[1]?.recording).toMatchObject({ approvedAt: t0.toISOString(), approvedBy: 'mod' });
    expect(viewOfItem(approved.items[1]!).recording?.approved).toBe(true);
    expect(approveRecording(approved, 'hos-1', 'mod', t0)).toBe(approved);
    const replaced = attachRecording(approved, 'hos-1', { ...rec, sha256: 'cd' });
    expect(viewOfItem(replaced.items[1]!).recording?.approved).toBe(false);
  });
});
