import { io } from 'socket.io-client';
import type { PlenaryClientSocket } from './socket.ts';
import type { RunStateMessage } from '../server/protocol/events.ts';
import type { StagePageStrings } from '../server/i18n/catalogs/stage.ts';
import { isOver, timingAt } from '../server/domain/session-timing.ts';
import { LiveClient } from './live-client.ts';
import { itemText } from './run-item-text.ts';
import { floorRemainingMs, type SessionView } from './session-state.ts';

// The projector view: the floor holder, the clock, the next speakers and the running order's current and next
// items, for a screen in the meeting room. It only reads: it joins the session like a participant (the server
// decides who may) and never sends anything else.

const root = document.querySelector<HTMLElement>('.projector');
const stringsEl = document.getElementById('room-strings');
if (root && stringsEl) void start(root, JSON.parse(stringsEl.textContent ?? '{}') as StagePageStrings);

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} missing`);
  return node as T;
}

function clock(ms: number | null): string {
  if (ms === null) return '';
  const negative = ms < 0;
  const total = Math.ceil(Math.abs(ms) / 1000);
  const text = `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
  return negative ? `−${text}` : text;
}

/** How many waiting speakers fit the screen without scrolling. */
const nextShown = 5;

async function start(root: HTMLElement, s: StagePageStrings): Promise<void> {
  const sessionId = root.dataset.sessionId ?? '';
  const lang = document.documentElement.lang || 'en';
  const regions = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames([lang], { type: 'region' }) : null;
  const country = (code: string): string => {
    try {
      return regions?.of(code) ?? code;
    } catch {
      return code;
    }
  };
  const group = (g: string): string => (s as unknown as Record<string, string>)[`group_${g}`] ?? g;
  const message = byId('projector-message');
  /** The running order, as the session view holds it (join snapshot, then run:state): never fetched. */
  let run: RunStateMessage | null = null;
  /** The session had been ended or cancelled at the last render. */
  let wasOver = false;

  const socket: PlenaryClientSocket = io({ transports: ['websocket', 'polling'], auth: { view: 'projector' } });
  const live = new LiveClient(socket, (id, view) => {
    if (id === sessionId) render(view);
  });
  socket.on('queue:timer', (m) => {
    if (m.sessionId !== sessionId) return;
    byId('projector-clock').classList.toggle('timer-warning', m.phase === 'warning');
    byId('projector-clock').classList.toggle('timer-expired', m.phase === 'expired');
  });
  socket.on('disconnect', (reason) => {
    if (reason === 'io client disconnect') return;
    message.hidden = false;
    message.textContent = s.connectionLost;
  });
  socket.on('connect', () => {
    if (live.views.has(sessionId)) message.hidden = true;
  });

  const fullScreen = byId<HTMLButtonElement>('projector-fullscreen');
  if (document.fullscreenEnabled) {
    fullScreen.hidden = false;
    fullScreen.addEventListener('click', () => void document.documentElement.requestFullscreen().catch(() => undefined));
    document.addEventListener('fullscreenchange', () => (fullScreen.hidden = Boolean(document.fullscreenElement)));
  }

  await new Promise<void>((resolve) => (socket.connected ? resolve() : socket.once('connect', () => resolve())));
  try {
    await live.join(sessionId);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const errors = s.errors as Partial<Record<string, string>>;
    message.textContent = code === 'unauthenticated' ? s.projectorSignIn : (code && errors[code]) || (error instanceof Error ? error.message : String(error));
    message.classList.add('projector-refused');
    message.dataset.code = code ?? '';
    socket.close();
    return;
  }
  message.hidden = true;
  byId('projector-live').hidden = false;
  window.setInterval(() => {
    const view = live.views.get(sessionId);
    if (view) {
      byId('projector-clock').textContent = clock(floorRemainingMs(view));
      renderStatus(view);
    }
  }, 500);

  function render(view: SessionView): void {
    // Ended or cancelled: nothing is on and nobody is next, whatever the running order and the list still hold.
    const over = isOver(view.status);
    if (view.run !== run || over !== wasOver) {
      run = view.run;
      wasOver = over;
      renderRun();
    }
    renderStatus(view);
    const floor = view.queue.floor;
    const speaker = floor ? view.queue.entries.find((e) => e.id === floor.entryId) : undefined;
    const item = over ? undefined : run?.items.find((i) => i.id === run?.currentItemId);
    const name = byId('projector-speaker');
    const meta = byId('projector-speaker-meta');
    if (speaker) {
      name.textContent = speaker.name;
      meta.textContent = `${country(speaker.country)} · ${group(speaker.group)}`;
    } else if (item?.speaker) {
      // A scripted statement (live or pre-recorded) has its speaker named in the running order.
      const text = itemText(item, lang);
      name.textContent = text.speaker ?? item.speaker;
      meta.textContent = text.title;
    } else {
      name.textContent = !over ? s.nobodySpeaking : view.status === 'cancelled' ? s.rs_cancelled : s.rs_ended;
      meta.textContent = '';
    }
    root.classList.toggle('has-speaker', Boolean(speaker || item?.speaker));
    const clockEl = byId('projector-clock');
    clockEl.textContent = clock(floorRemainingMs(view));
    clockEl.classList.toggle('paused', Boolean(floor?.paused));
    if (!floor) clockEl.classList.remove('timer-warning', 'timer-expired');

    const waiting = over ? [] : view.queue.entries.filter((e) => e.status === 'waiting');
    // The rules' proposal comes first, as the chair will most likely call it.
    const proposed = waiting.findIndex((e) => e.id === view.queue.proposedEntryId);
    if (proposed > 0) waiting.unshift(...waiting.splice(proposed, 1));
    const list = byId('projector-queue');
    list.replaceChildren(
      ...waiting.slice(0, nextShown).map((e) => {
        const li = document.createElement('li');
        const who = document.createElement('span');
        who.className = 'projector-queue-name';
        who.textContent = e.name;
        const where = document.createElement('span');
        where.className = 'projector-queue-meta';
        where.textContent = `${country(e.country)} · ${group(e.group)}`;
        li.append(who, where);
        return li;
      }),
    );
    byId('projector-queue-empty').hidden = waiting.length > 0;
  }

  function renderRun(): void {
    const items = run?.items ?? [];
    byId('projector-run').hidden = items.length === 0;
    const at = wasOver ? -1 : items.findIndex((i) => i.id === run?.currentItemId);
    const label = (i: (typeof items)[number] | undefined): string => {
      if (!i) return '–';
      const text = itemText(i, lang);
      return text.speaker ? `${text.title} — ${text.speaker}` : text.title;
    };
    byId('projector-run-now').textContent = label(at >= 0 ? items[at] : undefined);
    byId('projector-run-next').textContent = wasOver ? label(undefined) : label(at >= 0 ? items[at + 1] : items.find((i) => i.status !== 'done'));
  }

  function renderStatus(view: SessionView): void {
    const badge = byId('projector-status');
    let timing: keyof StagePageStrings['timing'] = timingAt(view.status, Date.parse(badge.dataset.start ?? ''), Date.parse(badge.dataset.end ?? ''), Date.now());
    if (timing === 'upcoming' && badge.dataset.timing === 'next') timing = 'next';
    const text = view.status === 'live' ? s.statusLive : s.timing[timing];
    if (badge.textContent === text && badge.dataset.status === view.status) return;
    badge.dataset.status = view.status;
    badge.className = `badge badge-${timing}`;
    badge.textContent = text;
  }
}
