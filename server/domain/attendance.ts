import type { ConstituentGroup, Gender } from './participants.ts';

/**
 * Attendance of session rooms, without I/O. One record per (participant,
 * session): the connections open now (one per socket, on any process) and
 * the closed intervals, merged where they overlap, so a record stays small
 * however often someone reconnects.
 */
export interface AttendanceRecord {
  /** "eventId/sessionId/participantId" */
  id: string;
  eventId: string;
  sessionId: string;
  participantId: string;
  name: string;
  group: ConstituentGroup;
  country: string;
  gender: Gender | null;
  /** Open connections by socket id: when it joined, and the server process holding it. */
  open: Record<string, { at: string; process: string }>;
  /** Closed presence, [from, to] as ISO instants, sorted and non-overlapping. */
  intervals: [string, string][];
  firstJoin: string;
  lastLeave: string | null;
}

export interface Attendee {
  participantId: string;
  name: string;
  group: ConstituentGroup;
  country: string;
  gender: Gender | null;
}

export function attendanceId(eventId: string, sessionId: string, participantId: string): string {
  return `${eventId}/${sessionId}/${participantId}`;
}

/** A socket joined: opens its connection (a second join of one socket changes nothing). */
export function recordJoin(current: AttendanceRecord | null, who: Attendee, eventId: string, sessionId: string, connection: string, process: string, at: Date): AttendanceRecord | null {
  const iso = at.toISOString();
  if (current?.open[connection]) return null;
  const base: AttendanceRecord = current ?? {
    id: attendanceId(eventId, sessionId, who.participantId),
    eventId,
    sessionId,
    ...who,
    open: {},
    intervals: [],
    firstJoin: iso,
    lastLeave: null,
  };
  return { ...base, name: who.name, group: who.group, country: who.country, gender: who.gender, open: { ...base.open, [connection]: { at: iso, process } } };
}

/** A socket left (or disconnected): its connection becomes a closed interval. Unknown connections change nothing. */
export function recordLeave(current: AttendanceRecord | null, connection: string, at: Date): AttendanceRecord | null {
  const opened = current?.open[connection];
  if (!current || !opened) return null;
  const { [connection]: _closed, ...open } = current.open;
  const to = at.toISOString() < opened.at ? opened.at : at.toISOString();
  return { ...current, open, intervals: mergeIntervals([...current.intervals, [opened.at, to]]), lastLeave: maxIso(current.lastLeave, to) };
}

export function mergeIntervals(intervals: readonly [string, string][]): [string, string][] {
  const sorted = [...intervals].sort((a, b) => Date.parse(a[0]) - Date.parse(b[0]));
  const out: [string, string][] = [];
  for (const [from, to] of sorted) {
    const last = out.at(-1);
    if (last && Date.parse(from) <= Date.parse(last[1])) {
      if (Date.parse(to) > Date.parse(last[1])) last[1] = to;
    } else out.push([from, to]);
  }
  return out;
}

/**
 * When a connection still open in the store really ended: `null` while the
 * process holding it is alive (the person is present), else the last time
 * that process was seen (a process that crashed never recorded the leave).
 */
export type LivenessOf = (process: string) => { alive: boolean; lastSeen: string | null };

export interface AttendeeRow extends Attendee {
  sessionId: string;
  firstJoin: string;
  /** Null while still present. */
  lastLeave: string | null;
  present: boolean;
  minutes: number;
  seconds: number;
}

export interface Totals {
  key: string;
  attendees: number;
  minutes: number;
}

export interface SessionAttendance {
  sessionId: string;
  attendees: AttendeeRow[];
  totals: { attendees: number; minutes: number };
  byGroup: Totals[];
  byCountry: Totals[];
  byGender: Totals[];
  peak: { count: number; at: string | null };
  presentNow: number;
}

export function sessionAttendance(sessionId: string, records: readonly AttendanceRecord[], liveness: LivenessOf, now: Date): SessionAttendance {
  const nowIso = now.toISOString();
  const rows: AttendeeRow[] = [];
  const spans: [number, number][] = [];
  for (const r of records) {
    const intervals: [string, string][] = [...r.intervals];
    let present = false;
    for (const { at, process } of Object.values(r.open)) {
      const state = liveness(process);
      if (state.alive) {
        present = true;
        intervals.push([at, nowIso]);
      } else {
        const end = state.lastSeen && state.lastSeen > at ? state.lastSeen : at;
        intervals.push([at, end]);
      }
    }
    const merged = mergeIntervals(intervals);
    const ms = merged.reduce((sum, [from, to]) => sum + Math.max(0, Date.parse(to) - Date.parse(from)), 0);
    for (const [from, to] of merged) spans.push([Date.parse(from), Date.parse(to)]);
    const lastEnd = merged.at(-1)?.[1] ?? null;
    rows.push({
      sessionId,
      participantId: r.participantId,
      name: r.name,
      group: r.group,
      country: r.country,
      gender: r.gender,
      firstJoin: merged[0]?.[0] ?? r.firstJoin,
      lastLeave: present ? null : lastEnd,
      present,
      minutes: Math.round((ms / 60_000) * 10) / 10,
      seconds: Math.round(ms / 1000),
    });
  }
  rows.sort((a, b) => a.firstJoin.localeCompare(b.firstJoin) || a.name.localeCompare(b.name));
  const totalsBy = (key: (r: AttendeeRow) => string): Totals[] => {
    const map = new Map<string, Totals>();
    for (const r of rows) {
      const k = key(r);
      const t = map.get(k) ?? { key: k, attendees: 0, minutes: 0 };
      t.attendees += 1;
      t.minutes = Math.round((t.minutes + r.minutes) * 10) / 10;
      map.set(k, t);
    }
    return [...map.values()].sort((a, b) => b.attendees - a.attendees || a.key.localeCompare(b.key));
  };
  return {
    sessionId,
    attendees: rows,
    totals: { attendees: rows.length, minutes: Math.round(rows.reduce((s, r) => s + r.minutes, 0) * 10) / 10 },
    byGroup: totalsBy((r) => r.group),
    byCountry: totalsBy((r) => r.country),
    byGender: totalsBy((r) => r.gender ?? 'undisclosed'),
    peak: peakConcurrent(spans),
    presentNow: rows.filter((r) => r.present).length,
  };
}

/** The most people present at one moment (each person's intervals are already merged, so nobody counts twice). */
export function peakConcurrent(spans: readonly [number, number][]): { count: number; at: string | null } {
  const edges: [number, number][] = [];
  for (const [from, to] of spans) {
    if (to <= from) continue;
    edges.push([from, 1], [to, -1]);
  }
  // A leave at the same instant as a join is counted first: back-to-back is not concurrent.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let count = 0;
  let best = 0;
  let at: number | null = null;
  for (const [t, d] of edges) {
    count += d;
    if (count > best) {
      best = count;
      at = t;
    }
  }
  return { count: best, at: at === null ? null : new Date(at).toISOString() };
}

function maxIso(a: string | null, b: string): string {
  return a && a > b ? a : b;
}
