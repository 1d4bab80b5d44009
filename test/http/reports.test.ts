import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, QuestionMessageBody } from '../../server/protocol/events.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer } from '../support/server.ts';

const sessionId = 'closing';
const asOrganizer = { authorization: `Bearer ${organizerToken}` };

describe('speaking-time report and session logs', () => {
  let server: Plenary;
  let moderator: TestParticipant;
  let otherModerator: TestParticipant;
  let women: TestParticipant;
  let men: TestParticipant;
  const sockets: Socket[] = [];

  // The server's clock, moved forward to let a speaker really speak (a speaker
  // replaced within seconds is sent back to the queue instead, see domain/queue.ts).
  let ahead = 0;
  const speakFor = (ms: number): void => {
    ahead += ms;
  };

  beforeAll(async () => {
    server = await startTestServer({}, { clock: () => new Date(Date.now() + ahead) });
    moderator = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    otherModerator = await createParticipant(server, { name: 'Other chair', roles: [{ sessionId: 'opening', role: 'moderator' }] });
    women = await createParticipant(server, { name: 'Minister Okafor', group: 'government', country: 'NG', gender: 'female' });
    men = await createParticipant(server, { name: 'Mr Tanaka', group: 'employers', country: 'JP', gender: 'male' });
    const mod = await connect(server.url, { token: moderator.token });
    const w = await connect(server.url, { token: women.token });
    const m = await connect(server.url, { token: men.token });
    sockets.push(mod, w, m);
    for (const s of sockets) await ok(s, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    await ok(mod, 'queue:rules', { sessionId, mode: 'tripartite' });
    await ok(m, 'queue:request', { sessionId });
    await ok(w, 'queue:request', { sessionId });
    const queue = (await ok<JoinAck>(mod, 'session:join', { sessionId })).queue;
    // The rules propose the Government speaker; the chair calls the Employer first (an override).
    const tanaka = queue.entries.find((e) => e.participantId === men.id)!;
    const okafor = queue.entries.find((e) => e.participantId === women.id)!;
    await ok(mod, 'queue:give-floor', { sessionId, entryId: tanaka.id });
    speakFor(45_000);
    await ok(mod, 'queue:give-floor', { sessionId, entryId: okafor.id });
    speakFor(30_000);
    await ok(mod, 'queue:end-floor', { sessionId });
    const q = await ok<{ question: QuestionMessageBody }>(w, 'qna:ask', { sessionId, text: 'On the just transition' });
    await ok(mod, 'qna:moderate', { sessionId, questionId: q.question.id, action: 'hide', reason: 'duplicate' });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server.close();
  });

  it('totals speaking time by group, gender and country for organisers', async () => {
    const { status, body } = await getJson<{ totalMs: number; interventions: { name: string; spokenMs: number }[]; byGroup: { key: string; spokenMs: number }[]; byGender: { key: string }[]; byCountry: { key: string }[] }>(
      `${server.url}/api/events/${eventId}/reports/speaking-time?sessionId=${sessionId}`,
      { headers: asOrganizer },
    );
    expect(status).toBe(200);
    expect(body.interventions.map((i) => i.name)).toEqual(['Mr Tanaka', 'Minister Okafor']);
    expect(body.interventions.every((i) => i.spokenMs > 0)).toBe(true);
    expect(body.byGroup.map((t) => t.key).sort()).toEqual(['employers', 'government']);
    expect(body.byGender.map((t) => t.key).sort()).toEqual(['female', 'male']);
    expect(body.byCountry.map((t) => t.key).sort()).toEqual(['JP', 'NG']);
    expect(body.totalMs).toBe(body.interventions.reduce((sum, i) => sum + i.spokenMs, 0));
  });

  it('exports the interventions as CSV and shows them on a page', async () => {
    const csv = await fetch(`${server.url}/api/events/${eventId}/reports/speaking-time.csv`, { headers: asOrganizer });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain('speaking-time.csv');
    const lines = (await csv.text()).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('"session","name","group","country","gender","kind","started_at","ended_at","spoken_s","budget_s","overrun_s"');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('"Mr Tanaka","employers","JP","male","statement"');
    const page = await fetch(`${server.url}/events/${eventId}/console/speaking-time?lang=en`, { headers: { ...asOrganizer, accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('By constituent group');
    expect(html).toContain('Minister Okafor');
    // Names, not ids or codes: the session's title and the country's name; local times, not ISO stamps.
    expect(html).not.toContain(`<td>${sessionId}</td>`);
    expect(html).toContain('<td>Japan</td>');
    expect(html).toContain('<th scope="row">Nigeria</th>');
    expect(html).toMatch(/<time datetime="\d{4}-[^"]+">\d{1,2} [A-Z][a-z]{2}, \d\d:\d\d<\/time>/);
    expect(html).not.toMatch(/>\d{4}-\d{2}-\d{2}T/);
    // Units in the page's language.
    const zh = await (await fetch(`${server.url}/events/${eventId}/console/speaking-time?lang=zh`, { headers: { ...asOrganizer, accept: 'text/html' } })).text();
    expect(zh).toContain('<td>日本</td>');
    expect(zh).toMatch(/<td class="num">[\d.]+ 分钟<\/td>/);
    expect(zh).not.toContain('>min<');
    // The console navigation reaches every console and report, this one marked.
    expect(html).toMatch(/<a href="\/events\/[^"]+\/console\/speaking-time" data-area="speaking" aria-current="page">Speaking time<\/a>/);
    for (const area of ['sessions', 'participants', 'attendance', 'records', 'event']) expect(html).toContain(`data-area="${area}"`);
  });

  it('lists every session\'s draft record on one console page, for organisers', async () => {
    const page = await fetch(`${server.url}/events/${eventId}/console/records?lang=en`, { headers: { ...asOrganizer, accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html.match(/data-testid="record-link"/g)).toHaveLength(6);
    expect(html).toContain(`href="/events/${eventId}/console/sessions/${sessionId}/record" data-testid="record-link"`);
    expect(html).toMatch(/<span class="time-date">Thu, 24 Feb 2022<\/span> <bdi dir="ltr" class="time-range">14:45–16:15<\/bdi> <span class="muted">CET<\/span>/);
    expect(html).toContain('data-area="records" aria-current="page"');
    const refused = await fetch(`${server.url}/events/${eventId}/console/records`, { headers: { authorization: `Bearer ${women.token}`, accept: 'text/html' } });
    expect(refused.status).toBe(403);
  });

  it('refuses the report to anyone but organisers', async () => {
    expect((await getJson(`${server.url}/api/events/${eventId}/reports/speaking-time`)).status).toBe(401);
    const asDelegate = await getJson<{ error: { code: string } }>(`${server.url}/api/events/${eventId}/reports/speaking-time`, { headers: { authorization: `Bearer ${women.token}` } });
    expect(asDelegate.status).toBe(403);
    expect(asDelegate.body.error.code).toBe('not_organizer');
    const asModerator = await getJson<{ error: { code: string } }>(`${server.url}/api/events/${eventId}/reports/speaking-time.csv`, { headers: { authorization: `Bearer ${moderator.token}` } });
    expect(asModerator.status).toBe(403);
  });

  it('shows the session’s moderator the floor log with the override, and the moderation log with reasons', async () => {
    const { status, body } = await getJson<{ floor: { action: string; detail: string | null }[]; moderation: { action: string; reason: string | null; byName: string }[] }>(
      `${server.url}/api/events/${eventId}/sessions/${sessionId}/logs`,
      { headers: { authorization: `Bearer ${moderator.token}` } },
    );
    expect(status).toBe(200);
    expect(body.floor.filter((l) => l.action === 'override')).toHaveLength(1);
    expect(body.floor.find((l) => l.action === 'override')?.detail).toMatch(/government.*employers/);
    expect(body.moderation).toEqual([expect.objectContaining({ action: 'hide', reason: 'duplicate', byName: 'Chair' })]);
    const anonymous = await getJson<{ error: { code: string } }>(`${server.url}/api/events/${eventId}/sessions/${sessionId}/logs`);
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, 'unauthenticated']);
    for (const token of [women.token, otherModerator.token]) {
      const refused = await getJson<{ error: { code: string } }>(`${server.url}/api/events/${eventId}/sessions/${sessionId}/logs`, { headers: { authorization: `Bearer ${token}` } });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('not_moderator');
    }
  });
});
