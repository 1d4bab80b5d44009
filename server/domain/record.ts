import { interpolate } from '../i18n/format.ts';
import { dateLocale, inLanguage, type Lang } from '../i18n/languages.ts';
import { recordMessages, type RecordStrings } from '../i18n/catalogs/record.ts';
import { resultsOf, voteGroups, type Poll, type PollResults, type VoteGroup } from './polls.ts';
import type { Localized } from './programme.ts';
import type { ModerationLogEntry } from './qna.ts';
import type { QueueState } from './queue.ts';
import { timings, type RunningOrder } from './running-order.ts';
import { speakingReport } from './speaking-report.ts';

/**
 * A session's draft record, built from its logs alone (pure: no I/O): the
 * chair, the speakers in the order they took the floor (country, group,
 * kind of intervention, language where the queue knows it, time spoken),
 * the questions answered (Q&A moderation log), and the polls with their
 * results by constituent group. In zh or en; rendered as Markdown here and
 * as HTML by the console page. A secret poll's record has counts only.
 */

export interface RecordInput {
  lang: Lang;
  event: { id: string; title: Localized; zone: string };
  session: { id: string; title: Localized; start: string; end: string; status: string };
  /** The session's moderators. */
  chair: readonly { name: string; country: string; organization: string }[];
  queue: QueueState;
  /** The session's questions as moderators see them (author named unless anonymous). */
  questions: readonly { id: string; text: string; anonymous: boolean; author?: { name: string } | undefined }[];
  moderation: readonly ModerationLogEntry[];
  polls: readonly Poll[];
  /** The session's running order (issue 18), if it kept one. */
  runningOrder?: RunningOrder | undefined;
  now: Date;
}

/** One item of the running order, planned against actual. */
export interface RecordRunItem {
  order: number;
  title: string;
  kindLabel: string;
  speaker: string;
  plannedMs: number;
  /** Whether the item ever ran; if not, `actual` and `overrun` are empty (its actualMs is 0). */
  started: boolean;
  actualMs: number;
  overrunMs: number;
  planned: string;
  actual: string;
  overrun: string;
}

export interface RecordSpeaker {
  order: number;
  name: string;
  country: string;
  group: string;
  groupLabel: string;
  kind: string;
  kindLabel: string;
  language: string | null;
  startedAt: string;
  startedLocal: string;
  spokenMs: number;
  spoken: string;
}

export interface RecordQuestion {
  text: string;
  askedBy: string;
  answeredAt: string;
  answeredLocal: string;
}

export interface RecordPollRow {
  label: string;
  total: number;
  byGroup: number[];
}

export interface RecordPoll {
  id: string;
  question: string;
  kind: string;
  kindLabel: string;
  secret: boolean;
  ballotLabel: string;
  status: string;
  openedLocal: string | null;
  closedLocal: string | null;
  results: PollResults | null;
  /** The groups shown as columns: those that vote in the poll, and any other with ballots. */
  groups: { group: VoteGroup; label: string }[];
  rows: RecordPollRow[];
  /** The quorum sentence, if a rule applied. */
  quorumNote: string | null;
  valid: boolean | null;
  /** Named polls only. */
  voters: { name: string; country: string; groupLabel: string; choice: string }[] | null;
}

export interface SessionRecord {
  lang: Lang;
  eventId: string;
  sessionId: string;
  eventTitle: string;
  sessionTitle: string;
  zone: string;
  dateLocal: string;
  timeLocal: string;
  generatedAt: string;
  chair: { name: string; country: string; organization: string }[];
  speakers: RecordSpeaker[];
  questions: RecordQuestion[];
  polls: RecordPoll[];
  runningOrder: RecordRunItem[];
}

function duration(ms: number): string {
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

function formatter(lang: Lang, zone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(dateLocale(lang), { timeZone: zone, ...options });
}

export function optionLabel(poll: Pick<Poll, 'kind' | 'options'>, optionId: string, s: RecordStrings): string {
  if (poll.kind === 'yes_no_abstain' && (optionId === 'yes' || optionId === 'no' || optionId === 'abstain')) return s[`option_${optionId}`];
  return poll.options.find((o) => o.id === optionId)?.label ?? optionId;
}

export function buildRecord(input: RecordInput): SessionRecord {
  const s = recordMessages[input.lang];
  const zone = input.event.zone;
  const time = formatter(input.lang, zone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const day = formatter(input.lang, zone, { year: 'numeric', month: 'long', day: 'numeric' });
  const local = (iso: string | null): string | null => (iso ? time.format(new Date(iso)) : null);

  const languages = new Map(input.queue.entries.map((e) => [e.id, (e as { language?: string | null }).language ?? null]));
  const speakers = speakingReport([input.queue], input.now).interventions.map((i, index) => ({
    order: index + 1,
    name: i.name,
    country: i.country,
    group: i.group,
    groupLabel: (s as Record<string, string>)[`group_${i.group}`] ?? i.group,
    kind: i.kind,
    kindLabel: (s as Record<string, string>)[`kind_${i.kind}`] ?? i.kind,
    language: languages.get(i.entryId) ?? null,
    startedAt: i.startedAt,
    startedLocal: time.format(new Date(i.startedAt)),
    spokenMs: i.spokenMs,
    spoken: duration(i.spokenMs),
  }));

  const byId = new Map(input.questions.map((q) => [q.id, q]));
  const answered = new Set<string>();
  const questions: RecordQuestion[] = [];
  for (const entry of [...input.moderation].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) {
    const q = byId.get(entry.questionId);
    if (entry.action !== 'answer' || !q || answered.has(q.id)) continue;
    answered.add(q.id);
    questions.push({ text: q.text, askedBy: q.anonymous || !q.author ? s.anonymous : q.author.name, answeredAt: entry.at, answeredLocal: time.format(new Date(entry.at)) });
  }

  const polls = input.polls
    .filter((p) => p.status !== 'draft')
    .sort((a, b) => Date.parse(a.openedAt ?? a.createdAt) - Date.parse(b.openedAt ?? b.createdAt))
    .map((p) => recordPoll(p, s, local));

  const run = input.runningOrder;
  const runTimes = run ? new Map(timings(run, input.now).map((t) => [t.id, t])) : new Map<string, ReturnType<typeof timings>[number]>();
  const runningOrder: RecordRunItem[] = (run?.items ?? []).map((item, index) => {
    const t = runTimes.get(item.id);
    // An item that never ran has no actual time (not 0:00) and no overrun.
    const started = t?.started ?? false;
    const actualMs = t?.actualMs ?? 0;
    const overrunMs = t?.overrunMs ?? 0;
    return {
      order: index + 1,
      title: item.title,
      kindLabel: item.kind === 'statement' ? s.kind_statement : s[`runKind_${item.kind}`],
      speaker: item.speaker ?? '',
      plannedMs: item.plannedMs,
      started,
      actualMs,
      overrunMs,
      planned: duration(item.plannedMs),
      actual: started ? duration(actualMs) : '',
      overrun: overrunMs > 0 ? `+${duration(overrunMs)}` : '',
    };
  });

  return {
    lang: input.lang,
    runningOrder,
    eventId: input.event.id,
    sessionId: input.session.id,
    eventTitle: inLanguage(input.event.title, input.lang),
    sessionTitle: inLanguage(input.session.title, input.lang),
    zone,
    dateLocal: day.format(new Date(input.session.start)),
    timeLocal: `${time.format(new Date(input.session.start))}–${time.format(new Date(input.session.end))}`,
    generatedAt: input.now.toISOString(),
    chair: input.chair.map((c) => ({ ...c })),
    speakers,
    questions,
    polls,
  };
}

function recordPoll(p: Poll, s: RecordStrings, local: (iso: string | null) => string | null): RecordPoll {
  const closed = p.status === 'closed';
  const results = closed ? resultsOf(p) : null;
  const groups = voteGroups
    .filter((g) => p.eligibleGroups.includes(g) || p.tally.byGroup[g].total > 0)
    .map((g) => ({ group: g, label: s[`group_${g}`] }));
  const rows: RecordPollRow[] = results
    ? [
        ...p.options.map((o) => ({ label: optionLabel(p, o.id, s), total: results.byChoice[o.id] ?? 0, byGroup: groups.map((g) => results.byGroup[g.group].byChoice[o.id] ?? 0) })),
        { label: s.ballots, total: results.total, byGroup: groups.map((g) => results.byGroup[g.group].total) },
      ]
    : [];
  let quorumNote: string | null = null;
  if (results && results.quorum.rule !== 'none') {
    const vars = { present: results.quorum.present ?? 0, required: results.quorum.required ?? 0 };
    quorumNote = interpolate(results.quorum.met ? s.quorumMet : s.void, vars);
  }
  return {
    id: p.id,
    question: p.question,
    kind: p.kind,
    kindLabel: s[`pollKind_${p.kind}`],
    secret: p.secret,
    ballotLabel: p.secret ? s.secretBallot : s.namedVote,
    status: p.status,
    openedLocal: local(p.openedAt),
    closedLocal: local(p.closedAt),
    results,
    groups,
    rows,
    quorumNote,
    valid: results ? results.valid : null,
    voters:
      closed && !p.secret
        ? p.roll.map((r) => ({ name: r.name, country: r.country, groupLabel: s[`group_${r.group}`], choice: r.choice.map((id) => optionLabel(p, id, s)).join(', ') }))
        : null,
  };
}

/** Markdown cell: no line breaks, pipes escaped. */
function cell(value: unknown): string {
  return String(value ?? '').replace(/\s+/g, ' ').replace(/\|/g, '\\|');
}

function table(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [`| ${header.map(cell).join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

/** The record as Markdown, the format editors take into their word processor (pandoc turns it into DOCX). */
export function recordMarkdown(record: SessionRecord): string {
  const s = recordMessages[record.lang];
  const out: string[] = [];
  out.push(`# ${s.draftRecord}: ${cell(record.sessionTitle)}`, '', `*${s.draftNote}*`, '');
  out.push(`- ${s.session}: ${cell(record.eventTitle)} — ${cell(record.sessionTitle)}`);
  out.push(`- ${s.date}: ${record.dateLocal}, ${record.timeLocal} (${record.zone})`);
  out.push(`- ${s.chair}: ${record.chair.length ? record.chair.map((c) => `${cell(c.name)} (${cell(c.country)})`).join('; ') : s.noChair}`, '');

  out.push(`## ${s.speakers}`, '');
  out.push(
    record.speakers.length
      ? table(
          [s.order, s.name, s.country, s.group, s.kind, s.language, s.started, s.spoken],
          record.speakers.map((sp) => [sp.order, sp.name, sp.country, sp.groupLabel, sp.kindLabel, sp.language ?? '', sp.startedLocal, sp.spoken]),
        )
      : s.noSpeakers,
    '',
  );

  out.push(`## ${s.runningOrder}`, '');
  out.push(
    record.runningOrder.length
      ? table([s.order, s.item, s.name, s.planned, s.actual, s.overrun], record.runningOrder.map((r) => [r.order, `${r.title} (${r.kindLabel})`, r.speaker, r.planned, r.actual, r.overrun]))
      : s.noRunningOrder,
    '',
  );

  out.push(`## ${s.questions}`, '');
  out.push(record.questions.length ? table([s.order, s.question, s.askedBy, s.answeredAt], record.questions.map((q, i) => [i + 1, q.text, q.askedBy, q.answeredLocal])) : s.noQuestions, '');

  out.push(`## ${s.polls}`, '');
  if (record.polls.length === 0) out.push(s.noPolls, '');
  record.polls.forEach((p, i) => {
    out.push(`### ${i + 1}. ${cell(p.question)}`, '', `${p.kindLabel}, ${p.ballotLabel}${p.openedLocal ? ` · ${p.openedLocal}` : ''}${p.closedLocal ? `–${p.closedLocal}` : ''}`, '');
    if (!p.results) {
      out.push(s.open, '');
      return;
    }
    out.push(table(['', s.total, ...p.groups.map((g) => g.label)], p.rows.map((r) => [r.label, r.total, ...r.byGroup])), '');
    if (p.quorumNote) out.push(p.quorumNote, '');
    if (p.voters && p.voters.length) {
      out.push(`**${s.voters}**`, '', table([s.name, s.country, s.group, s.choice], p.voters.map((v) => [v.name, v.country, v.groupLabel, v.choice])), '');
    }
  });
  return `${out.join('\n').trimEnd()}\n`;
}
