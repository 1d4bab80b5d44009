import { elapsedMs, type QueueState } from './queue.ts';

/**
 * Who spoke, for how long: by constituent group, gender and country, per
 * session or for the whole event. Built from the queues' finished and
 * running interventions, so it is as true as the floor log.
 */
export interface Intervention {
  sessionId: string;
  entryId: string;
  participantId: string;
  name: string;
  group: string;
  country: string;
  gender: string;
  kind: string;
  startedAt: string;
  endedAt: string | null;
  spokenMs: number;
  budgetMs: number | null;
  overrunMs: number;
}

export interface Tally {
  key: string;
  interventions: number;
  spokenMs: number;
  /** Share of all speaking time, 0..1. */
  share: number;
}

export interface SpeakingReport {
  sessionIds: string[];
  interventions: Intervention[];
  totalMs: number;
  byGroup: Tally[];
  byGender: Tally[];
  byCountry: Tally[];
}

export function speakingReport(queues: readonly QueueState[], now: Date): SpeakingReport {
  const interventions: Intervention[] = [];
  for (const q of queues) {
    for (const e of q.entries) {
      if (!e.startedAt) continue;
      const floor = q.floor && q.floor.entryId === e.id ? q.floor : null;
      const running = e.status === 'speaking' && floor !== null;
      // The floor's own clock (queue.ts): paused time, finished pauses
      // (pausedMs) and a pause still running (pausedAt), is not speaking time.
      const spoken = floor ? elapsedMs(floor, now) : (e.spokenMs ?? 0);
      interventions.push({
        sessionId: q.sessionId,
        entryId: e.id,
        participantId: e.participantId,
        name: e.name,
        group: e.group,
        country: e.country,
        gender: e.gender ?? 'undisclosed',
        kind: e.kind,
        startedAt: e.startedAt,
        endedAt: e.endedAt,
        spokenMs: spoken,
        budgetMs: e.budgetMs,
        overrunMs: running ? Math.max(0, spoken - (e.budgetMs ?? spoken)) : (e.overrunMs ?? 0),
      });
    }
  }
  interventions.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const totalMs = interventions.reduce((sum, i) => sum + i.spokenMs, 0);
  const tally = (keyOf: (i: Intervention) => string): Tally[] => {
    const map = new Map<string, { interventions: number; spokenMs: number }>();
    for (const i of interventions) {
      const t = map.get(keyOf(i)) ?? { interventions: 0, spokenMs: 0 };
      t.interventions += 1;
      t.spokenMs += i.spokenMs;
      map.set(keyOf(i), t);
    }
    return [...map.entries()]
      .map(([key, t]) => ({ key, ...t, share: totalMs > 0 ? t.spokenMs / totalMs : 0 }))
      .sort((a, b) => b.spokenMs - a.spokenMs || a.key.localeCompare(b.key));
  };
  return {
    sessionIds: queues.map((q) => q.sessionId),
    interventions,
    totalMs,
    byGroup: tally((i) => i.group),
    byGender: tally((i) => i.gender),
    byCountry: tally((i) => i.country),
  };
}
