// The seeded forum's migrations (issue 18 item 1, issue 15 item 3): a fresh
// store has the running orders the programme describes, in Chinese and
// English (and the seed's French and Spanish); a store seeded by the
// earlier version of the seed (zh/en texts only, no running orders), on
// which organisers edited a title and wrote a running order, receives the
// French and Spanish texts and the running orders at start-up, once,
// without its edits overwritten; running the migrations again changes
// nothing.
import { afterAll, describe, expect, it } from 'vitest';
import type { ForumEvent, Localized, Session } from '../../server/domain/programme.ts';
import type { RunningOrder } from '../../server/domain/running-order.ts';
import type { Plenary } from '../../server/plenary.ts';
import type { RunStateMessage } from '../../server/protocol/events.ts';
import { migrateSeed, seedMigrationCollection } from '../../server/seed/migrations.ts';
import { readSeed, seedForum, type ForumSeed } from '../../server/seed/seed.ts';
import { ProgrammeRepository } from '../../server/store/repositories.ts';
import { SqliteStore } from '../../server/store/sqlite-store.ts';
import { getJson, organizerToken, startTestServer, tempDir } from '../support/server.ts';

const seed = readSeed();
const eventId = seed.event.id;

/** The seed as it was before French, Spanish and the running orders: Chinese and English only. */
function oldSeed(current: ForumSeed): ForumSeed {
  const zhEn = (l: Localized): Localized => ({ zh: l.zh, en: l.en });
  const { textOrigin: _origin, ...event } = current.event;
  return {
    event: { ...event, title: zhEn(event.title), organizer: zhEn(event.organizer), description: zhEn(event.description) },
    sessions: current.sessions.map((s) => ({ ...s, title: zhEn(s.title), format: s.format ? zhEn(s.format) : s.format, description: zhEn(s.description), guidingQuestions: s.guidingQuestions.map(zhEn) })),
  };
}

const read = (server: Plenary, sessionId: string) =>
  getJson<RunStateMessage>(`${server.url}/api/events/${eventId}/sessions/${sessionId}/running-order`, { headers: { authorization: `Bearer ${organizerToken}` } });

describe('the seeded running orders and the seed migrations', () => {
  const servers: Plenary[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it('gives a fresh store the running orders the programme describes, roles as placeholders, in Chinese, English, French and Spanish', async () => {
    const server = await startTestServer();
    servers.push(server);
    const opening = (await read(server, 'opening')).body;
    expect(opening.version).toBe(1);
    expect(opening.items.map((i) => i.speaker)).toEqual([
      'Representative of the business community',
      'Representative of the trade union community',
      'Secretary-General of the United Nations',
      'Head of State or Government (1)',
      'Head of State or Government (2)',
      'Head of State or Government (3)',
      'Head of State or Government (4)',
      'Guy Ryder, Director-General of the ILO',
    ]);
    expect(opening.items[0]?.localized?.speaker).toMatchObject({ zh: '企业界代表', fr: 'Représentant des milieux d’affaires' });
    expect(opening.items[3]).toMatchObject({ kind: 'statement', prerecorded: true, protocol: 'head_of_state', plannedMs: 300_000, status: 'pending' });
    for (const sessionId of ['thematic-1', 'thematic-2', 'thematic-3', 'thematic-4']) {
      const order = (await read(server, sessionId)).body;
      expect(order.items.map((i) => i.kind)).toEqual(['statement', 'statement', 'statement', 'statement', 'panel']);
      expect(order.items[4]?.localized?.title).toMatchObject({ zh: '互动小组讨论', en: 'Interactive panel discussion', es: 'Mesa redonda interactiva' });
    }
    const closing = (await read(server, 'closing')).body;
    expect(closing.items.at(-1)).toMatchObject({ id: 'tripartite-dialogue', kind: 'panel', localized: { title: { zh: '高级别三方对话' } } });
    // The seeded order runs like any other: a moderator may save over it.
    const edited = await getJson<RunStateMessage>(`${server.url}/api/events/${eventId}/sessions/opening/running-order`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: 1, items: opening.items.slice(0, 2).map(({ id, kind, title, speaker, plannedMs }) => ({ id, kind, title, speaker, plannedMs })) }),
    });
    expect(edited.body.items[0]?.localized?.title.zh).toBe('开幕辞'); // translations kept while the title and speaker stay
  });

  it('migrates a store seeded by the old version, once, keeping what organisers edited', async () => {
    const dir = tempDir();
    const store = SqliteStore.inDirectory(dir);
    const repo = new ProgrammeRepository(store);
    await seedForum(repo, oldSeed(seed), new Date('2022-01-10T09:00:00Z'));
    // The organisers rewrote thematic-2's English title, and wrote thematic-1's running order themselves (then emptied closing's).
    const t2 = (await repo.getSession(eventId, 'thematic-2'))!;
    await repo.updateSession({ ...t2, title: { ...t2.title, en: 'Social protection for all' } });
    const own: RunningOrder = { eventId, sessionId: 'thematic-1', version: 4, currentItemId: null, items: [{ id: 'mine', kind: 'floor', title: 'Open floor', plannedMs: 600_000, status: 'pending', actualMs: 0 }] };
    await store.insert('running_orders', { ...own, id: `${eventId}/thematic-1` });
    await store.insert('running_orders', { eventId, sessionId: 'closing', version: 2, currentItemId: null, items: [], id: `${eventId}/closing` });
    await store.close();

    // Start-up applies the migrations.
    const server = await startTestServer({ PLENARY_DATA_DIR: dir });
    servers.push(server);
    expect((await read(server, 'thematic-1')).body).toMatchObject({ version: 4, items: [{ id: 'mine' }] });
    expect((await read(server, 'closing')).body).toMatchObject({ version: 2, items: [] });
    expect((await read(server, 'opening')).body.items).toHaveLength(8);
    expect((await read(server, 'thematic-2')).body.items.map((i) => i.id)).toEqual(['hos-1', 'hos-2', 'hos-3', 'hos-4', 'panel']);

    const programme = await getJson<{ sessions: { id: string; title: string }[]; event: { title: string } }>(`${server.url}/api/events/${eventId}/programme?lang=fr`);
    expect(programme.status).toBe(200);
    const stored = server.programme.repo;
    const event = (await stored.getEvent(eventId))! as ForumEvent;
    expect(event.title).toEqual(seed.event.title); // fr and es added
    expect(event.textOrigin).toEqual(seed.event.textOrigin);
    const t2After = (await stored.getSession(eventId, 'thematic-2'))! as Session;
    expect(t2After.title).toEqual({ zh: seed.sessions[2]!.title.zh, en: 'Social protection for all' }); // edited: no French that says something else
    expect(t2After.format).toEqual(seed.sessions[2]!.format); // unedited: translated
    expect(t2After.sequence).toBe(t2.sequence); // translations are not a calendar change
    const opening = (await stored.getSession(eventId, 'opening'))! as Session;
    expect(opening.title.es).toBe(seed.sessions[0]!.title.es);

    // Recorded, and not applied twice.
    const again = await migrateSeed(server.store, seed);
    expect(again).toMatchObject({ from: 3, to: 3, applied: [] });
    const record = await server.store.get<{ id: string; version: number; applied: { name: string }[] }>(seedMigrationCollection, eventId);
    expect(record).toMatchObject({ version: 3, applied: [{ name: 'French and Spanish texts' }, { name: 'running orders' }] });
  });

  it('changes nothing when run again halfway (idempotent migrations), and nothing for a store without the seeded event', async () => {
    const store = SqliteStore.inDirectory(tempDir());
    try {
      expect(await migrateSeed(store, seed)).toMatchObject({ from: 1, to: 1, applied: [] });
      await seedForum(new ProgrammeRepository(store), oldSeed(seed));
      const first = await migrateSeed(store, seed);
      expect(first.applied.map((a) => a.changed)).toEqual([7, 6]);
      // As if the record were lost after a crash: everything is there already.
      await store.remove(seedMigrationCollection, eventId);
      const redo = await migrateSeed(store, seed);
      expect(redo.applied.map((a) => a.changed)).toEqual([0, 0]);
    } finally {
      await store.close();
    }
  });
});
