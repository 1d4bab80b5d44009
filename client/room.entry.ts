import { io } from 'socket.io-client';
import type { PlenaryClientSocket } from './socket.ts';
import type { QueueEntryView, QueueTimerMessage, RosterEntry } from '../server/protocol/events.ts';
import type { ErrorCode } from '../server/errors.ts';
import type { RoomStrings } from '../server/i18n/catalogs/room.ts';
import type { StagePageStrings } from '../server/i18n/catalogs/stage.ts';
import { isOver, timingAt, type ClockTiming } from '../server/domain/session-timing.ts';
import { interpolate } from '../server/i18n/format.ts';
import { idempotencyKey, LiveClient } from './live-client.ts';
import { Stage } from './media-stage.ts';
import { BoothConsole } from './booth-console.ts';
import { byteSize, statementLink, uploadStatement } from './statements.ts';
import { CaptionsPanel } from './captions-panel.ts';
import { RunningOrderPanel } from './running-order-panel.ts';
import { WebcastView } from './webcast-view.ts';
import { PollPanel } from './polls.ts';
import { floorRemainingMs, myPosition, type SessionView } from './session-state.ts';
import { browserTimeZone, rememberZone } from './zone.ts';
import { markSelected, RoomTabs, tablistKeys } from './room-tabs.ts';
import { questionCard, questionsFor, type QuestionTab } from './question-cards.ts';
import { itemText } from './run-item-text.ts';

// The session room: speaker queue, floor timer and questions, kept live over
// Socket.IO. The server decides every permission; this script only shows
// the controls that the server told it (in the join ack) the viewer has.

const root = document.querySelector<HTMLElement>('.session-room');
const stringsEl = document.getElementById('room-strings');
if (root && stringsEl) void start(root, JSON.parse(stringsEl.textContent ?? '{}') as StagePageStrings);

if (document.body.dataset.zoneSource === 'event') {
  const zone = browserTimeZone();
  if (zone) rememberZone(zone);
}

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The six UN languages, offered when a delegate says which language they will speak. */
const speakLanguages = ['ar', 'zh', 'en', 'fr', 'ru', 'es'];
const speakLanguageKey = 'plenary.speakLanguage';
let displayNames: Intl.DisplayNames | null = null;
let regionNames: Intl.DisplayNames | null = null;

function languageName(code: string): string {
  try {
    displayNames ??= new Intl.DisplayNames([document.documentElement.lang || 'en'], { type: 'language' });
    return displayNames.of(code) ?? code;
  } catch {
    return code;
  }
}

function fillSpeakLanguages(select: HTMLSelectElement, name: (code: string) => string, none: string, extra?: string): void {
  const codes = extra && !speakLanguages.includes(extra) ? [...speakLanguages, extra] : speakLanguages;
  select.replaceChildren(el('option', { value: '' }, none), ...codes.map((code) => el('option', { value: code, lang: code }, name(code))));
}

function rememberedSpeakLanguage(): string {
  try {
    return localStorage.getItem(speakLanguageKey) ?? '';
  } catch {
    return '';
  }
}

function rememberSpeakLanguage(language: string): void {
  try {
    if (language) localStorage.setItem(speakLanguageKey, language);
    else localStorage.removeItem(speakLanguageKey);
  } catch {
    // Storage may be off; the choice is then asked again next time.
  }
}

/** A session that reads Ended or Cancelled, or null while it may still run. */
type Over = 'ended' | 'cancelled' | null;

function clock(ms: number | null): string {
  if (ms === null) return '–';
  const negative = ms < 0;
  const total = Math.ceil(Math.abs(ms) / 1000);
  const text = `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
  return negative ? `−${text}` : text;
}

async function start(root: HTMLElement, s: StagePageStrings): Promise<void> {
  const sessionId = root.dataset.sessionId ?? '';
  const announcer = byId('announcer');
  const alerts = byId('alerts');
  const announce = (text: string): void => {
    // Re-setting the same text would not be announced again.
    announcer.textContent = '';
    window.setTimeout(() => (announcer.textContent = text), 50);
  };
  const showError = (error: unknown): void => {
    // Coded refusals are shown in the page's language; anything else as the server worded it.
    const code = (error as { code?: unknown } | null)?.code;
    const translated = typeof code === 'string' ? (s.errors as Partial<Record<string, string>>)[code as ErrorCode] : undefined;
    const message = translated ?? (error instanceof Error ? error.message : String(error));
    const box = byId('room-error');
    box.hidden = false;
    byId('room-error-text').textContent = message;
    // The refusal is announced (role=alert) even when it repeats the last one:
    // re-setting the same text would not be announced again.
    alerts.textContent = '';
    window.setTimeout(() => (alerts.textContent = message), 50);
  };

  // Tabs on a phone, columns on a wide screen (client/room-tabs.ts); rendering below fills their counts.
  const tabs = new RoomTabs(byId('room-tabs'));
  const statusBadge = byId('session-status');
  const pageTiming = statusBadge.dataset.timing;
  let lastSpeaker: string | null = null;
  let lastListOpen: boolean | null = null;
  let lastStatus: string | null = null;
  /** Whether the session reads Ended or Cancelled (the status rule, clock included), as last rendered. */
  let lastOver: Over = null;
  let questionTab: QuestionTab = 'votes';
  const knownQuestions = new Set<string>();
  const socket: PlenaryClientSocket = io({ transports: ['websocket', 'polling'] });
  let stage: Stage | undefined;
  let polls: PollPanel | undefined;
  let booths: BoothConsole | undefined;
  let captions: CaptionsPanel | undefined;
  let running: RunningOrderPanel | undefined;
  let webcast: WebcastView | undefined;
  const live = new LiveClient(socket, (_id, view, cause) => {
    // The running order changed: only the floor bar and the panel show it (the session view holds the one copy).
    if (cause === 'run') {
      renderQueue(view);
      running?.update(view);
      return;
    }
    render(view, cause);
    stage?.update(view);
    webcast?.update(view, stage?.iHoldFloor ?? false);
    booths?.update(view);
    captions?.update(view);
    running?.update(view);
    polls?.render(view);
    // After a reconnect, media is rejoined only once the session is joined again.
    if (cause === 'resync') stage?.resynced();
  });

  socket.on('disconnect', (reason) => {
    if (reason === 'io client disconnect') return;
    const box = byId('room-error');
    box.hidden = false;
    byId('room-error-text').textContent = s.connectionLost;
  });
  // The refusal box stays in view until the next action, or until dismissed.
  byId('room-error-close').addEventListener('click', () => {
    byId('room-error').hidden = true;
  });
  socket.on('connect', () => {
    byId('room-error').hidden = true;
  });
  // Moderators hear who is present, by constituent group, on every process (at most once a second).
  socket.on('session:presence', (m) => {
    if (m.sessionId !== sessionId) return;
    const groups = Object.entries(m.byGroup)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([group, n]) => `${(s as RoomStrings as Record<string, string>)[`group_${group}`] ?? group} ${n}`);
    byId('presence').textContent = `${interpolate(s.presentNow, { n: m.total })}${groups.length ? ` — ${groups.join(' · ')}` : ''}`;
  });
  socket.on('queue:timer', (m: QueueTimerMessage) => {
    if (m.sessionId !== sessionId) return;
    announce(m.phase === 'warning' ? s.announceWarning : s.announceExpired);
    byId('floor-timer').classList.toggle('timer-warning', m.phase === 'warning');
    byId('floor-timer').classList.toggle('timer-expired', m.phase === 'expired');
  });

  // Sends an action; a refusal is shown and announced (showError). Resolves
  // to whether the server accepted it, so that success is announced only then.
  const act = async (event: Parameters<LiveClient['request']>[0], payload: Record<string, unknown>): Promise<boolean> => {
    try {
      byId('room-error').hidden = true;
      await live.request(event, { sessionId, ...payload });
      return true;
    } catch (error) {
      showError(error);
      return false;
    }
  };

  // The live stage (audio and video) follows the session's status and floor. It, the interpreters' console and
  // live captions (issue 13) listen before the join is sent: what is broadcast between the server's snapshot
  // and its ack (a handover, a caption line) reaches them, and the snapshot never undoes it.
  const onStage = new Stage({
    socket, sessionId, strings: s, lang: document.documentElement.lang || 'en', request: (e, p) => live.request(e, p), announce, showError,
    over: () => {
      const view = live.views.get(sessionId);
      return view ? overOf(view) : null;
    },
  });
  const boothConsole = new BoothConsole({ socket, sessionId, eventId: root.dataset.eventId ?? '', strings: s, lang: document.documentElement.lang || 'en', request: (e, p) => live.request(e, p), stage: onStage, announce, showError });
  const captionsPanel = new CaptionsPanel({ socket, sessionId, strings: s, lang: document.documentElement.lang || 'en', request: (e, p) => live.request(e, p), showError });

  await new Promise<void>((resolve) => (socket.connected ? resolve() : socket.once('connect', () => resolve())));
  try {
    await live.join(sessionId);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'unauthenticated' || code === 'forbidden' || code === 'not_approved') {
      byId('room-signin').hidden = false;
      if (code !== 'unauthenticated') byId('room-signin').textContent = error instanceof Error ? error.message : String(error);
      socket.close();
      return;
    }
    showError(error);
    return;
  }
  byId('live-room').hidden = false;
  stage = onStage;
  const joinedView = live.views.get(sessionId);
  // Watch the webcast instead of holding a WebRTC seat (issue 12); the stage takes over for the floor.
  webcast = new WebcastView({ container: byId('stage'), eventId: root.dataset.eventId ?? '', sessionId, strings: s, lang: document.documentElement.lang || 'en', announce, onMode: (on) => onStage.setWebcast(on) });
  // The view places itself under the stage's heading; the layout keeps it under the floor bar, as the live tiles are.
  const webcastBox = document.getElementById('webcast');
  if (webcastBox) byId('floor').after(webcastBox);
  if (joinedView) {
    stage.update(joinedView);
    webcast.update(joinedView, stage.iHoldFloor);
  }
  booths = boothConsole;
  captions = captionsPanel;
  if (joinedView) {
    booths.update(joinedView);
    captions.update(joinedView);
  }
  // The session's running order (issue 18): for everyone; moderators advance and edit it.
  running = new RunningOrderPanel({
    socket, eventId: root.dataset.eventId ?? '', sessionId, strings: s, request: (e, p) => live.request(e, p), announce, showError,
    over: () => {
      const view = live.views.get(sessionId);
      return view ? isOver(view.status) : false;
    },
  });
  // The panel places itself; the layout keeps it in its own part of the room, shown (a tab on a phone) while the panel is.
  const orderPanel = document.getElementById('running-order');
  if (orderPanel) {
    byId('pane-order').append(orderPanel);
    const follow = (): void => tabs.setAvailable('order', !orderPanel.hidden);
    new MutationObserver(follow).observe(orderPanel, { attributes: true, attributeFilter: ['hidden'] });
    follow();
  }
  if (joinedView) running.update(joinedView);
  // Votes (client/polls.ts): the panel follows the same session view.
  polls = new PollPanel({
    container: byId('pane-polls'), eventId: root.dataset.eventId ?? '', sessionId, strings: s, request: (e, p) => live.request(e, p), newKey: idempotencyKey, announce, showError,
    over: () => {
      const view = live.views.get(sessionId);
      return view ? overOf(view) !== null : false;
    },
    noneOver: s.rs_pollsNoneOver,
  });
  if (joinedView) polls.render(joinedView);

  root.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    if (!button) return;
    const action = button.dataset.action;
    const entryId = button.dataset.entryId;
    const questionId = button.dataset.questionId;
    switch (action) {
      case 'request-floor': {
        // The language the delegate will speak, for the interpreters (remembered for next time).
        const language = byId<HTMLSelectElement>('request-language').value;
        rememberSpeakLanguage(language);
        void act('queue:request', { kind: byId<HTMLSelectElement>('request-kind').value, ...(language ? { language } : {}), idempotencyKey: idempotencyKey() }).then((accepted) => {
          if (accepted) announce(s.announceQueued);
        });
        break;
      }
      case 'point-of-order':
        void act('queue:request', { kind: 'point_of_order', idempotencyKey: idempotencyKey() }).then((accepted) => {
          if (accepted) announce(s.announceQueued);
        });
        break;
      case 'toggle-list': {
        const view = live.views.get(sessionId);
        if (view) void act('queue:list', { open: !view.queue.listOpen });
        break;
      }
      case 'withdraw-floor':
        void act('queue:withdraw', {});
        break;
      case 'give-floor':
        // The version on screen: if another moderator moved the floor meanwhile, the server says so (floor_changed).
        void act('queue:give-floor', { entryId, version: live.views.get(sessionId)?.queue.version });
        break;
      case 'end-floor':
        void act('queue:end-floor', {});
        break;
      case 'timer-pause':
        void act('queue:timer', { action: 'pause' });
        break;
      case 'timer-resume':
        void act('queue:timer', { action: 'resume' });
        break;
      case 'timer-add':
        void act('queue:timer', { action: 'add', ms: 60_000 });
        break;
      case 'open-session':
        void act('session:open', {});
        break;
      case 'end-session':
        void act('session:end', {});
        break;
      case 'move-up':
      case 'move-down':
        if (entryId) void move(entryId, action === 'move-up' ? -1 : 1);
        break;
      case 'vote':
        if (questionId) void live.vote(sessionId, questionId, idempotencyKey()).catch(showError);
        break;
      case 'approve':
      case 'hide':
      case 'answer':
      case 'pin':
      case 'unpin':
        void act('qna:moderate', { questionId, action });
        break;
    }
  });

  // The speaker's language: a moderator sets it on an entry (queue:language).
  root.addEventListener('change', (event) => {
    const select = (event.target as HTMLElement).closest<HTMLSelectElement>('select[data-entry-language]');
    if (select) void act('queue:language', { entryId: select.dataset.entryLanguage, language: select.value || null });
  });
  fillSpeakLanguages(byId<HTMLSelectElement>('request-language'), languageName, s.speakLanguageAny);
  byId<HTMLSelectElement>('request-language').value = rememberedSpeakLanguage();

  // A statement for the interpreters, attached to the delegate's own entry (PUT, the file's bytes as they are).
  byId<HTMLInputElement>('statement-file').addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    const view = live.views.get(sessionId);
    const entry = view?.queue.entries.find((x) => x.participantId === view.you.participantId && x.kind !== 'point_of_order' && (x.status === 'waiting' || x.status === 'speaking'));
    if (!file || !entry) return;
    void uploadStatement(root.dataset.eventId ?? '', sessionId, entry.id, file).then(
      () => {
        input.value = '';
        announce(s.announceStatementAttached);
      },
      showError,
    );
  });

  byId<HTMLSelectElement>('queue-mode').addEventListener('change', (e) => {
    void act('queue:rules', { mode: (e.target as HTMLSelectElement).value });
  });
  byId<HTMLInputElement>('budget-minutes').addEventListener('change', (e) => {
    const minutes = Number((e.target as HTMLInputElement).value);
    const view = live.views.get(sessionId);
    if (!view || !Number.isFinite(minutes) || minutes <= 0) return;
    void act('queue:rules', { mode: view.queue.mode, budgetsMs: { ...view.queue.budgetsMs, default: Math.round(minutes * 60_000) } });
  });

  // Total time per group: minutes in, milliseconds out; an empty field means no budget for that group.
  byId<HTMLFormElement>('group-budgets-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const view = live.views.get(sessionId);
    if (!view) return;
    const budgets: Record<string, number> = {};
    for (const input of byId('group-budgets-form').querySelectorAll<HTMLInputElement>('input[data-group]')) {
      const minutes = Number(input.value);
      if (input.value !== '' && Number.isFinite(minutes) && minutes > 0) budgets[input.dataset.group ?? ''] = Math.round(minutes * 60_000);
    }
    void act('queue:rules', { mode: view.queue.mode, groupBudgetsMs: Object.keys(budgets).length ? budgets : null });
  });

  // Adding a speaker on their behalf: search the roster as the moderator types.
  const roster = new Map<string, string>();
  let rosterTimer: number | undefined;
  byId<HTMLInputElement>('add-speaker-query').addEventListener('input', (e) => {
    const query = (e.target as HTMLInputElement).value;
    if (roster.has(query)) return;
    window.clearTimeout(rosterTimer);
    rosterTimer = window.setTimeout(() => {
      void live
        .request<{ participants: RosterEntry[] }, 'queue:roster'>('queue:roster', { sessionId, query })
        .then(({ participants }) => {
          const list = byId('roster-list');
          list.replaceChildren(
            ...participants.map((p) => {
              const label = `${p.name} — ${p.country} (${p.organization})`;
              roster.set(label, p.participantId);
              return el('option', { value: label });
            }),
          );
        })
        .catch(showError);
    }, 200);
  });
  byId<HTMLFormElement>('add-speaker-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = byId<HTMLInputElement>('add-speaker-query');
    const participantId = roster.get(input.value);
    if (!participantId) {
      showError(new Error(s.noSuchParticipant));
      return;
    }
    void act('queue:add', { participantId, kind: byId<HTMLSelectElement>('add-speaker-kind').value }).then((accepted) => {
      if (accepted) input.value = '';
    });
  });

  byId<HTMLSelectElement>('qna-mode').addEventListener('change', (e) => {
    void act('qna:mode', { mode: (e.target as HTMLSelectElement).value });
  });
  // Popular / Recent (and Review for moderators): tabs over one list of question cards.
  const qnaTabs = root.querySelector<HTMLElement>('.qna-tabs');
  if (qnaTabs) {
    tablistKeys(qnaTabs, (tab) => {
      questionTab = (tab.dataset.order as QuestionTab | undefined) ?? 'votes';
      markSelected(qnaTabs, tab);
      byId('questions-pane').setAttribute('aria-labelledby', tab.id);
      const view = live.views.get(sessionId);
      if (view) renderQuestions(view);
    });
  }
  byId<HTMLFormElement>('ask-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = byId<HTMLTextAreaElement>('question-text');
    const anonymous = byId<HTMLInputElement>('question-anonymous').checked;
    void act('qna:ask', { text: text.value, anonymous, idempotencyKey: idempotencyKey() }).then((accepted) => {
      if (accepted) text.value = '';
    });
  });

  // Drag and drop for pointer users; Move up / Move down buttons do the same by keyboard.
  const queueList = byId<HTMLOListElement>('queue');
  let dragged: string | null = null;
  queueList.addEventListener('dragstart', (e) => {
    dragged = (e.target as HTMLElement).closest<HTMLElement>('li[data-entry-id]')?.dataset.entryId ?? null;
  });
  queueList.addEventListener('dragover', (e) => e.preventDefault());
  queueList.addEventListener('drop', (e) => {
    e.preventDefault();
    const target = (e.target as HTMLElement).closest<HTMLElement>('li[data-entry-id]')?.dataset.entryId;
    if (!dragged || !target || dragged === target) return;
    const ids = waitingIds();
    const from = ids.indexOf(dragged);
    const to = ids.indexOf(target);
    ids.splice(from, 1);
    ids.splice(to, 0, dragged);
    void act('queue:reorder', { entryIds: ids });
  });

  function waitingIds(): string[] {
    const view = live.views.get(sessionId);
    return view ? view.queue.entries.filter((e) => e.status === 'waiting').map((e) => e.id) : [];
  }

  async function move(entryId: string, delta: number): Promise<void> {
    const ids = waitingIds();
    const i = ids.indexOf(entryId);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= ids.length) return;
    [ids[i], ids[j]] = [ids[j] as string, ids[i] as string];
    await act('queue:reorder', { entryIds: ids });
    // Keep keyboard focus on the moved entry's same button.
    window.setTimeout(() => document.querySelector<HTMLButtonElement>(`button[data-entry-id="${entryId}"][data-action="${delta < 0 ? 'move-up' : 'move-down'}"]`)?.focus(), 100);
  }

  window.setInterval(() => {
    const view = live.views.get(sessionId);
    if (view) {
      renderStatus(view);
      // The clock alone may end a session nobody opened: its controls go as the badge turns to Ended.
      if (overOf(view) !== lastOver) {
        renderQueue(view);
        renderQuestions(view);
      }
      byId('floor-timer').textContent = clock(floorRemainingMs(view));
      if (view.queue.groups.length > 0) renderGroupTimes(view);
    }
  }, 500);

  function render(view: SessionView, cause: string): void {
    const moderator = view.you.moderator;
    tabs.setAvailable('chair', moderator);
    byId('projector-link').hidden = !moderator;
    // Open or End, whichever the status allows: Open before (or after) the session is live, End while it is; neither
    // once it is cancelled (the server refuses both).
    root.querySelector<HTMLElement>('[data-action="open-session"]')?.toggleAttribute('hidden', view.status === 'live' || view.status === 'cancelled');
    root.querySelector<HTMLElement>('[data-action="end-session"]')?.toggleAttribute('hidden', view.status !== 'live');
    byId('floor-mod-controls').hidden = !moderator || !view.queue.floor;
    // Pause or Resume, whichever the clock allows.
    root.querySelector<HTMLElement>('[data-action="timer-pause"]')?.toggleAttribute('hidden', Boolean(view.queue.floor?.paused));
    root.querySelector<HTMLElement>('[data-action="timer-resume"]')?.toggleAttribute('hidden', !view.queue.floor?.paused);
    byId('delegate-controls').hidden = !view.you.canRequestFloor;
    byId<HTMLSelectElement>('queue-mode').value = view.queue.mode;
    byId<HTMLSelectElement>('qna-mode').value = view.qnaMode;
    const budget = byId<HTMLInputElement>('budget-minutes');
    if (document.activeElement !== budget) budget.value = String(view.queue.budgetsMs.default / 60_000);
    byId('qna-mode-note').textContent = view.qnaMode === 'open' ? s.openNote : s.preModeratedNote;

    renderStatus(view);
    if (lastStatus !== null && lastStatus !== view.status) announce(view.status === 'live' ? s.announceLive : s.announceEnded);
    lastStatus = view.status;

    renderQueue(view);
    renderQuestions(view);
    if (cause === 'question') {
      for (const q of view.questions.values()) {
        if (!knownQuestions.has(q.id) && !q.mine) announce(interpolate(s.announceQuestion, { text: q.text }));
      }
    }
    for (const id of view.questions.keys()) knownQuestions.add(id);
  }

  // The programme's wording (server/domain/session-timing.ts): live reads as the red LIVE badge; otherwise
  // the clock decides as on the programme, so a past session reads Ended in both places.
  function clockTiming(view: SessionView): ClockTiming {
    return timingAt(view.status, Date.parse(statusBadge.dataset.start ?? ''), Date.parse(statusBadge.dataset.end ?? ''), Date.now());
  }

  /** Ended or cancelled by the same rule as the badge: then nobody asks for the floor, asks or votes (the server refuses with session_ended). */
  function overOf(view: SessionView): Over {
    const timing = clockTiming(view);
    return timing === 'ended' || timing === 'cancelled' ? timing : null;
  }

  /** The reason a closed part of the room shows instead of its controls. */
  function showOver(id: string, over: Over, closed: string): void {
    const notice = byId(id);
    notice.hidden = over === null;
    // Chinese sentences follow one another without a space.
    const gap = (document.documentElement.lang || 'en').startsWith('zh') ? '' : ' ';
    notice.textContent = over === null ? '' : `${over === 'cancelled' ? s.rs_cancelled : s.rs_ended}${gap}${closed}`;
  }

  function renderStatus(view: SessionView): void {
    let timing: keyof StagePageStrings['timing'] = clockTiming(view);
    if (timing === 'upcoming' && pageTiming === 'next') timing = 'next';
    const text = view.status === 'live' ? s.statusLive : s.timing[timing];
    if (statusBadge.dataset.status === view.status && statusBadge.textContent === text) return;
    statusBadge.dataset.status = view.status;
    statusBadge.className = `badge badge-${timing}`;
    statusBadge.textContent = text;
  }

  function renderQueue(view: SessionView): void {
    const moderator = view.you.moderator;
    // How to reorder, only while there is a list to reorder: not once the session is over, nor with nobody waiting.
    byId('queue-hint').hidden = !moderator || overOf(view) !== null || !view.queue.entries.some((e) => e.status === 'waiting');
    const floor = view.queue.floor;
    const speaker = floor ? view.queue.entries.find((e) => e.id === floor.entryId) : undefined;
    // With the floor free, a scripted statement of the running order (live or pre-recorded) names its speaker.
    const run = view.run;
    // Once the session has been ended or cancelled nobody is next and no scripted statement is on, even if the order
    // still marks an item (a chair may run the order of a session whose time is past without opening it: the clock alone does not stop it).
    const ended = isOver(view.status);
    const scripted = speaker || ended ? undefined : run.items.find((i) => i.id === run.currentItemId && i.speaker);
    const scriptedText = scripted ? itemText(scripted) : undefined;
    byId('floor-speaker').textContent = speaker ? interpolate(s.speaking, { name: speaker.name }) : scriptedText?.speaker ?? s.nobodySpeaking;
    byId('floor-holder-meta').textContent = speaker ? interpolate(s.floorHolderMeta, { group: groupName(speaker.group), country: countryName(speaker.country) }) : scriptedText?.title ?? '';
    const upNext = ended ? undefined : view.queue.entries.find((e) => e.id === view.queue.proposedEntryId) ?? view.queue.entries.find((e) => e.status === 'waiting');
    byId('floor-next').textContent = upNext ? interpolate(s.nextSpeaker, { name: upNext.name }) : '';
    byId('floor').classList.toggle('has-speaker', Boolean(speaker || scripted));
    byId('floor-timer').textContent = clock(floorRemainingMs(view));
    // Over with nobody speaking, the floor bar would only say "nobody has the floor" over an empty clock: the stage's note says the session ended.
    byId('floor').hidden = overOf(view) !== null && !speaker;
    const speakerId = speaker?.participantId ?? null;
    const floorChanged = speakerId !== lastSpeaker;
    if (floorChanged) announce(speaker ? interpolate(s.announceFloor, { name: speaker.name }) : s.announceFloorEnded);
    lastSpeaker = speakerId;

    const over = overOf(view);
    lastOver = over;
    const position = myPosition(view);
    const me = view.you.participantId;
    const iSpeak = speaker && speaker.participantId === me;
    // Over, a place in the list means nothing any more: no "You are number 1", nothing to withdraw.
    byId('my-position').textContent = iSpeak ? s.youHaveFloor : position && !over ? interpolate(s.yourPosition, { n: position }) : '';
    // Given the floor, a delegate on a phone is taken to the stage, where their microphone and the clock are.
    if (iSpeak && floorChanged) tabs.select('stage');
    byId('withdraw-floor').hidden = position === null || over !== null;
    const myEntry = view.queue.entries.find((e) => e.participantId === me && e.kind !== 'point_of_order' && (e.status === 'waiting' || e.status === 'speaking'));
    byId('statement-upload').hidden = !myEntry;
    byId('statement-status').textContent = myEntry?.statement ? interpolate(s.statementAttached, { size: byteSize(myEntry.statement.bytes) }) : '';
    // Which kind of intervention and in which language: asked only when requesting, not while waiting or speaking,
    // and not at all once the session is over (the notice says why).
    showOver('floor-over', over, s.rs_floorClosed);
    const asking = position === null && !iSpeak && over === null;
    byId('request-kind-label').hidden = !asking;
    byId('request-language-label').hidden = !asking;
    byId('request-floor').hidden = !asking;
    if (over) byId('statement-upload').hidden = true;

    // A point of order may be raised whatever else one waits for, one at a time.
    const myPoint = view.queue.entries.some((e) => e.participantId === me && e.kind === 'point_of_order' && (e.status === 'waiting' || e.status === 'speaking'));
    byId('point-of-order').hidden = myPoint || over !== null;
    const listOpen = view.queue.listOpen;
    byId('list-closed').hidden = listOpen || over !== null;
    byId('toggle-list').textContent = listOpen ? s.closeList : s.reopenList;
    byId('toggle-list').setAttribute('aria-pressed', String(!listOpen));
    if (lastListOpen !== null && lastListOpen !== listOpen) announce(listOpen ? s.announceListOpen : s.announceListClosed);
    lastListOpen = listOpen;
    renderGroupTimes(view);

    const waiting = view.queue.entries.filter((e) => e.status === 'waiting');
    // Over, those still inscribed wait for nothing: the list says they were not called, and the tab counts nobody.
    byId('queue-heading').textContent = over ? s.rs_notCalled : s.speakerQueue;
    // Over with nobody left inscribed, there is no list to speak of: the notice above says the floor is closed.
    byId('queue-heading').hidden = over !== null && waiting.length === 0;
    tabs.setCount('floor', over ? null : waiting.length || null, interpolate(s.tabWaiting, { n: waiting.length }));
    byId('queue-empty').hidden = waiting.length > 0 || over !== null;
    const list = byId('queue');
    list.replaceChildren(...waiting.map((e, i) => queueItem(e, i, waiting.length, moderator, view.queue.proposedEntryId === e.id && over === null, e.participantId === me, over !== null)));
  }

  function renderGroupTimes(view: SessionView): void {
    const list = byId('group-times');
    const groups = view.queue.groups;
    list.hidden = groups.length === 0;
    const label = (group: string): string => (s as RoomStrings as Record<string, string>)[`group_${group}`] ?? group;
    list.replaceChildren(
      ...groups.map((g) => {
        // The floor holder's group counts down between broadcasts, like the floor clock.
        const running = view.queue.floor && view.queue.entries.find((e) => e.id === view.queue.floor?.entryId)?.group === g.group && !view.queue.floor.paused
          ? Date.now() - view.queueReceivedAt
          : 0;
        const left = g.leftMs - running;
        const text = left >= 0
          ? interpolate(s.groupTimeLeft, { group: label(g.group), left: clock(left), budget: clock(g.budgetMs) })
          : interpolate(s.groupTimeOver, { group: label(g.group), over: clock(-left), budget: clock(g.budgetMs) });
        return el('li', { class: left < 0 ? 'group-time over' : 'group-time', 'data-group': g.group }, text);
      }),
    );
    const form = byId('group-budgets-form');
    for (const input of form.querySelectorAll<HTMLInputElement>('input[data-group]')) {
      if (document.activeElement === input) continue;
      const budget = groups.find((g) => g.group === input.dataset.group)?.budgetMs;
      input.value = budget ? String(Math.round(budget / 60_000)) : '';
    }
  }

  /** One waiting speaker; `closed` (the session is over): a name for the record, which the chair can no longer call (session_ended) nor move. */
  function queueItem(e: QueueEntryView, index: number, count: number, chair: boolean, proposed: boolean, mine: boolean, closed: boolean): HTMLLIElement {
    const li = el('li', { 'data-entry-id': e.id, class: `queue-entry${mine ? ' mine' : ''}${proposed ? ' proposed' : ''}` });
    const moderator = chair && !closed;
    if (moderator) li.draggable = true;
    const groupLabel = (s as RoomStrings as Record<string, string>)[`group_${e.group}`] ?? e.group;
    li.append(el('span', { class: 'entry-name' }, e.name), el('span', { class: 'entry-meta' }, ` · ${groupLabel} · ${countryName(e.country)}${e.kind === 'reply' ? ` · ${s.kindReply}` : e.kind === 'point_of_order' ? ` · ${s.kindPointOfOrder}` : ''}${e.language && !moderator ? ` · ${languageName(e.language)}` : ''}`));
    if (moderator) {
      // The language the speaker will use, which the moderator may set or correct.
      const select = el('select', { 'data-entry-language': e.id, 'data-testid': 'entry-language', 'aria-label': interpolate(s.entryLanguage, { name: e.name }) });
      fillSpeakLanguages(select, languageName, s.speakLanguageAny, e.language);
      select.value = e.language ?? '';
      li.append(' ', select);
    }
    if (chair && e.statement) li.append(' ', statementLink(root.dataset.eventId ?? '', sessionId, e, s));
    if (proposed && moderator) li.append(el('span', { class: 'badge badge-next' }, s.proposed));
    if (moderator) {
      const controls = el('span', { class: 'entry-controls' });
      const give = el('button', { type: 'button', 'data-action': 'give-floor', 'data-entry-id': e.id, 'data-testid': 'give-floor' }, s.giveFloor);
      give.setAttribute('aria-label', `${s.giveFloor}: ${e.name}`);
      const up = el('button', { type: 'button', 'data-action': 'move-up', 'data-entry-id': e.id, 'aria-label': `${s.moveUp}: ${e.name}` }, '↑');
      const down = el('button', { type: 'button', 'data-action': 'move-down', 'data-entry-id': e.id, 'aria-label': `${s.moveDown}: ${e.name}` }, '↓');
      up.disabled = index === 0;
      down.disabled = index === count - 1;
      controls.append(give, up, down);
      li.append(controls);
    }
    return li;
  }

  function renderQuestions(view: SessionView): void {
    const moderator = view.you.moderator;
    const all = [...view.questions.values()];
    const review = all.filter((q) => q.status === 'pending').length;
    const reviewTab = byId('qna-tab-review');
    reviewTab.hidden = !moderator;
    if (!moderator && questionTab === 'review') questionTab = 'votes';
    const badge = byId('qna-review-count');
    badge.hidden = review === 0;
    badge.textContent = String(review);
    badge.title = interpolate(s.qnaAwaitingReview, { n: review });
    tabs.setCount('questions', moderator ? review || null : null, interpolate(s.qnaAwaitingReview, { n: review }));
    const over = overOf(view);
    showOver('questions-over', over, s.rs_questionsClosed);
    byId('ask-form').hidden = over !== null;
    const shown = questionsFor(all, questionTab, moderator);
    byId('questions').replaceChildren(...shown.map((q) => questionCard(q, moderator, s, over !== null)));
    const empty = byId('questions-empty');
    empty.hidden = shown.length > 0;
    empty.textContent = questionTab === 'review' ? s.qnaNoneReview : over ? s.rs_qnaNoneOver : s.qnaNone;
  }

  function countryName(code: string): string {
    try {
      regionNames ??= new Intl.DisplayNames([document.documentElement.lang || 'en'], { type: 'region' });
      return regionNames.of(code) ?? code;
    } catch {
      return code;
    }
  }

  function groupName(group: string): string {
    return (s as RoomStrings as Record<string, string>)[`group_${group}`] ?? group;
  }
}
