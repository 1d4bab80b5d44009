import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import {
  advance, approveRecording, attachRecording, controlPlayback, editRunningOrder, emptyRunningOrder, endRun, playbackEnded, playbackInterrupted, positionOf, runningOrderInput, timings, updateStage, viewOfItem,
  type RunningOrder, type RunRecording,
} from './running-order.ts';

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

  it('ends with its session: the item in progress ends then, its actual time fixed; nothing running changes nothing', () => {
    let order = advance(editRunningOrder(emptyRunningOrder('e', 's'), { items: script }, () => true), 'opening', at(0));
    order = advance(order, 'panel', at(30));
    const ended = endRun(order, at(100));
    expect(ended).toMatchObject({ version: order.version + 1, currentItemId: null });
    expect(ended.items.find((i) => i.id === 'panel')).toMatchObject({ status: 'done', endedAt: at(100).toISOString(), actualMs: 70_000 });
    expect(timings(ended, at(100))[2]?.actualMs).toBe(70_000);
    expect(timings(ended, at(5000))[2]?.actualMs).toBe(70_000);
    expect(endRun(ended, at(200))).toBe(ended);
    // An end given before the item began (a late sweep's guess) ends it as it began, never with a negative time.
    expect(endRun(order, at(10)).items.find((i) => i.id === 'panel')).toMatchObject({ endedAt: at(30).toISOString(), actualMs: 0 });
    // A reopened session's moderator advances again.
    expect(advance(ended, 'panel', at(300)).items.find((i) => i.id === 'panel')).toMatchObject({ status: 'current', startedAt: at(300).toISOString(), actualMs: 70_000 });
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

  describe('playback of a pre-recorded statement', () => {
    const rec: RunRecording = { file: 'x/y.mp4', container: 'mp4', bytes: 10, sha256: 'ab', durationMs: 30_000, video: true, audio: true, uploadedAt: t0.toISOString(), uploadedBy: null };
    const ready = (): RunningOrder => approveRecording(attachRecording(editRunningOrder(emptyRunningOrder('e', 's'), { items: script }, () => true), 'hos-1', rec), 'hos-1', 'mod', t0);
    const hos = (o: RunningOrder) => o.items.find((i) => i.id === 'hos-1')!;

    it('starts playing when its item starts, pauses at its position, resumes from there, and stops, ending the item', () => {
      let order = advance(ready(), 'hos-1', at(0));
      expect(hos(order).playback).toEqual({ state: 'playing', positionMs: 0, at: at(0).toISOString() });
      expect(codeOf(() => controlPlayback(order, 'opening', 'pause', at(1)))).toBe('not_playing');
      expect(codeOf(() => controlPlayback(order, 'ghost', 'pause', at(1)))).toBe('run_item_not_found');
      expect(controlPlayback(order, 'hos-1', 'resume', at(1))).toBe(order); // playing already
      order = controlPlayback(order, 'hos-1', 'pause', at(4));
      expect(hos(order).playback).toEqual({ state: 'paused', positionMs: 4000, at: at(4).toISOString() });
      expect(positionOf(hos(order), at(60))).toBe(4000);
      expect(controlPlayback(order, 'hos-1', 'pause', at(5))).toBe(order); // a resent pause
      order = controlPlayback(order, 'hos-1', 'resume', at(10));
      expect(hos(order).playback).toEqual({ state: 'playing', positionMs: 4000, at: at(10).toISOString() });
      expect(positionOf(hos(order), at(12))).toBe(6000);
      order = controlPlayback(order, 'hos-1', 'stop', at(15));
      expect(order.currentItemId).toBeNull();
      expect(hos(order)).toMatchObject({ status: 'done', endedAt: at(15).toISOString(), actualMs: 15_000, playback: { state: 'stopped', positionMs: 9000 } });
      expect(codeOf(() => controlPlayback(order, 'hos-1', 'resume', at(16)))).toBe('not_playing');
    });

    it('ends the item by itself when the video ends, the next one waiting for the moderator; a stale end changes nothing', () => {
      const order = advance(ready(), 'hos-1', at(0));
      const play = hos(order).playback!.at;
      const paused = controlPlayback(order, 'hos-1', 'pause', at(3));
      expect(playbackEnded(paused, 'hos-1', play, at(30))).toBe(paused); // that play was paused: not its end
      const ended = playbackEnded(order, 'hos-1', play, at(31));
      expect(ended.currentItemId).toBeNull();
      expect(hos(ended)).toMatchObject({ status: 'done', actualMs: 31_000, endedAt: at(31).toISOString(), playback: { state: 'ended', positionMs: 30_000 } });
      expect(ended.items.find((i) => i.id === 'panel')?.status).toBe('pending');
      expect(timings(ended, at(40))[1]).toMatchObject({ plannedMs: 120_000, actualMs: 31_000, overrunMs: 0 });
    });

    it('is marked interrupted where it was when its process stops, and resumes from there', () => {
      const order = advance(ready(), 'hos-1', at(0));
      const play = hos(order).playback!.at;
      expect(playbackInterrupted(order, 'hos-1', 'another play', 7000, at(7))).toBe(order);
      const cut = playbackInterrupted(order, 'hos-1', play, 7000, at(7));
      expect(hos(cut).playback).toMatchObject({ state: 'interrupted', positionMs: 7000 });
      expect(hos(cut).status).toBe('current');
      // Unknown position (a crash): where that play began, nothing skipped.
      expect(hos(playbackInterrupted(order, 'hos-1', null, null, at(20))).playback).toMatchObject({ state: 'interrupted', positionMs: 0 });
      const resumed = controlPlayback(cut, 'hos-1', 'resume', at(60));
      expect(hos(resumed).playback).toEqual({ state: 'playing', positionMs: 7000, at: at(60).toISOString() });
    });

    it('is interrupted where it was when the session ends, and a reopened session plays it on from there by advancing to it', () => {
      const order = advance(ready(), 'hos-1', at(0));
      const ended = endRun(order, at(12));
      expect(ended.currentItemId).toBeNull();
      expect(hos(ended)).toMatchObject({ status: 'done', endedAt: at(12).toISOString(), actualMs: 12_000, playback: { state: 'interrupted', positionMs: 12_000 } });
      const reopened = advance(ended, 'hos-1', at(600));
      expect(hos(reopened).playback).toEqual({ state: 'playing', positionMs: 12_000, at: at(600).toISOString() });
      // One its player interrupted first keeps that position; one interrupted at its very end starts again.
      const cut = endRun(playbackInterrupted(order, 'hos-1', hos(order).playback!.at, 7000, at(8)), at(12));
      expect(hos(cut).playback).toMatchObject({ state: 'interrupted', positionMs: 7000 });
      expect(hos(advance(endRun(order, at(45)), 'hos-1', at(600))).playback?.positionMs).toBe(0);
      // A statement stopped by the moderator still plays from the start when advanced to.
      const stopped = advance(controlPlayback(order, 'hos-1', 'stop', at(5)), 'hos-1', at(10));
      expect(hos(stopped).playback?.positionMs).toBe(0);
    });

    it('waits for an approved video and a ready stage copy; a stage copy ready on the running item starts it', () => {
      const base = editRunningOrder(emptyRunningOrder('e', 's'), { items: script }, () => true);
      const processing = attachRecording(base, 'hos-1', { ...rec, stage: { status: 'processing', progress: 0 } });
      let order = advance(approveRecording(processing, 'hos-1', 'mod', t0), 'hos-1', at(0));
      expect(hos(order).playback).toBeUndefined();
      order = updateStage(order, 'hos-1', 'ab', { status: 'processing', progress: 0.5 }, at(1));
      expect(viewOfItem(hos(order)).recording?.stage).toEqual({ status: 'processing', progress: 0.5 });
      expect(updateStage(order, 'hos-1', 'other-upload', { status: 'ready', progress: 1, file: 'z.webm' }, at(2))).toBe(order);
      order = updateStage(order, 'hos-1', 'ab', { status: 'ready', progress: 1, file: 'z.webm' }, at(2));
      expect(hos(order).playback).toEqual({ state: 'playing', positionMs: 0, at: at(2).toISOString() });
      expect(JSON.stringify(viewOfItem(hos(order)))).not.toContain('z.webm');
      // A failed copy is never played.
      const failed = updateStage(approveRecording(processing, 'hos-1', 'mod', t0), 'hos-1', 'ab', { status: 'failed', progress: 0, error: 'broken' }, at(1));
      const started = advance(failed, 'hos-1', at(2));
      expect(hos(started).playback).toBeUndefined();
      expect(codeOf(() => controlPlayback(started, 'hos-1', 'resume', at(3)))).toBe('not_playing');
    });
  });
});
