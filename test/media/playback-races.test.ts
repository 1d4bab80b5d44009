// The player of pre-recorded statements when the order changes while a
// play's producers are still being opened (issue 18): the play is
// abandoned and its producers closed as soon as they are open, instead of a
// play nobody wants running beside the next; a session that ends meanwhile
// marks it interrupted where it was to begin. The stage is held open by
// hand here (a stand-in for the session's media whose openPlayback the test
// completes), so the change lands in that window every time; the rest is
// the real StatementPlayback and domain.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.ts';
import { advance, approveRecording, attachRecording, editRunningOrder, emptyRunningOrder, playbackInterrupted, type RunningOrder } from '../../server/domain/running-order.ts';
import { StatementPlayback } from '../../server/media/statement-playback.ts';
import type { MediaService } from '../../server/media/media-service.ts';
import type { PlaybackTrack } from '../../server/media/session-media.ts';
import type { FloorEvents } from '../../server/realtime/broadcast.ts';
import type { RecordedStatements } from '../../server/services/recorded-statements.ts';
import type { RunChange, RunningOrderService } from '../../server/services/running-order-service.ts';
import { tempDir, waitFor } from '../support/server.ts';

const eventId = 'e';
const sessionId = 's';

function scene() {
  const dir = tempDir('plenary-races-');
  fs.writeFileSync(path.join(dir, 'statement.webm'), 'not played: the stage never opens before the test says so');
  const t0 = new Date('2022-02-22T13:00:00Z');
  let order: RunningOrder = editRunningOrder(
    emptyRunningOrder(eventId, sessionId),
    { items: [{ id: 'hos-1', kind: 'statement', title: 'Statement', speaker: 'Head of State', prerecorded: true, plannedMs: 60_000 }, { id: 'panel', kind: 'panel', title: 'Panel', plannedMs: 60_000 }] },
    () => true,
  );
  order = attachRecording(order, 'hos-1', { file: 'statement.webm', container: 'webm', bytes: 1, sha256: 'x', durationMs: 60_000, video: true, audio: true, uploadedAt: t0.toISOString(), uploadedBy: null });
  order = approveRecording(order, 'hos-1', null, t0);
  const events = new EventEmitter<FloorEvents>();
  const interrupted: { itemId: string; at: string | null; positionMs: number | null }[] = [];
  const announced: RunChange[] = [];
  let opening: ((v: { tracks: PlaybackTrack[]; stop: () => void }) => void) | null = null;
  let closedProducers = 0;
  const running = {
    get: async () => order,
    playbackInterrupted: async (_e: string, _s: string, itemId: string, at: string | null, positionMs: number | null): Promise<RunChange> => {
      interrupted.push({ itemId, at, positionMs });
      const before = order;
      order = playbackInterrupted(order, itemId, at, positionMs, new Date());
      return { before, after: order };
    },
    playbackEnded: async (): Promise<RunChange> => ({ before: order, after: order }),
  } as unknown as RunningOrderService;
  const media = {
    session: async () => ({
      openPlayback: () => new Promise((resolve) => (opening = resolve)),
    }),
  } as unknown as MediaService;
  const playback = new StatementPlayback({
    media,
    recordings: { absolute: (file: string) => path.join(dir, file) } as unknown as RecordedStatements,
    events,
    running,
    announce: (_eventId, change) => announced.push(change),
    shared: false,
    logger: createLogger('silent'),
    ffmpeg: path.join(dir, 'no-such-ffmpeg'),
  });
  const move = (itemId: string | null): void => {
    const before = order;
    order = advance(order, itemId, new Date());
    events.emit('run-changed', { eventId, sessionId, change: { before, after: order } });
  };
  /** The stage finishes opening the play's producers. */
  const open = async (): Promise<void> => {
    await waitFor(() => opening !== null);
    opening!({ tracks: [], stop: () => closedProducers++ });
  };
  return { playback, move, open, events, interrupted, announced, order: () => order, closedProducers: () => closedProducers };
}

describe('the statement player when the order changes while a play is being started', () => {
  it('abandons a play the moderator moved away from before its producers were open, and closes them once open', async () => {
    const s = scene();
    s.move('hos-1'); // plays: the stage starts opening its producers
    s.move('panel'); // the moderator moves on meanwhile
    await s.open();
    await waitFor(() => s.closedProducers() === 1);
    expect(s.interrupted).toEqual([]); // nothing to mark: the order moved on, and no ffmpeg was started to fail
    expect(s.order().currentItemId).toBe('panel');
    await s.playback.close();
  });

  it('marks a play being started interrupted where it was to begin when its session ends, and closes its producers once open', async () => {
    const s = scene();
    s.move('hos-1');
    const at = s.order().items.find((i) => i.id === 'hos-1')!.playback!.at;
    s.events.emit('session-status', { eventId, sessionId, status: 'ended' });
    await waitFor(() => s.interrupted.length === 1);
    expect(s.interrupted).toEqual([{ itemId: 'hos-1', at, positionMs: null }]);
    expect(s.order().items.find((i) => i.id === 'hos-1')!.playback).toMatchObject({ state: 'interrupted', positionMs: 0 });
    expect(s.announced).toHaveLength(1);
    await s.open();
    await waitFor(() => s.closedProducers() === 1);
    expect(s.interrupted).toHaveLength(1);
    await s.playback.close();
  });
});
