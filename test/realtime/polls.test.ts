import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PollView } from '../../server/domain/polls.ts';
import type { SessionRecord } from '../../server/domain/record.ts';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, PollStateMessage, QuestionMessageBody } from '../../server/protocol/events.ts';
import { hasRedis, startServerCluster, type ServerCluster } from '../support/processes.ts';
import { connect, createParticipant, emit, eventId, nextEvent, ok, record, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer, tempDir } from '../support/server.ts';

const sessionId = 'thematic-2';
const groups = ['government', 'employers', 'workers'] as const;
type PollAck = { poll: PollView };
type VoteAck = { choice: string[]; replaced: boolean; version: number };

describe('polls and votes over Socket.IO', () => {
  let ahead = 0;
  let server: Plenary;
  let chair: TestParticipant;
  let mod: Socket;
  const sockets: Socket[] = [];
  const open = async (p: TestParticipant, url = server.url, session = sessionId): Promise<Socket> => {
    const socket = await connect(url, { token: p.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId: session });
    return socket;
  };
  let made = 0;
  /** Delegates of the three groups, `perGroup` each, joined to the session. */
  const delegates = async (perGroup: number, countries = ['FR', 'SN', 'BR', 'JP'], session = sessionId) => {
    const people: { p: TestParticipant; socket: Socket; group: string }[] = [];
    for (const group of groups) {
      for (let i = 0; i < perGroup; i++) {
        const p = await createParticipant(server, { name: `${group} delegate ${++made}`, group, country: countries[i % countries.length] });
        people.push({ p, socket: await open(p, server.url, session), group });
      }
    }
    return people;
  };

  beforeAll(async () => {
    server = await startTestServer({}, { clock: () => new Date(Date.now() + ahead) });
    chair = await createParticipant(server, { name: 'Chair Amadou', group: 'government', country: 'SN', roles: [{ sessionId, role: 'moderator' }] });
    mod = await open(chair);
    await ok(mod, 'session:open', { sessionId });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.close();
  });

  it('reports the right totals by constituent group, counts each voter once (a second vote replaces the first) and lists the voters of a named poll', async () => {
    const people = await delegates(2);
    const observer = await createParticipant(server, { name: 'ILO observer', group: 'international_organization', country: 'CH' });
    const observerSocket = await open(observer);
    const created = await ok<PollAck>(mod, 'poll:create', { sessionId, question: 'Shall the conference adopt the report?', kind: 'yes_no_abstain' });
    expect(created.poll).toMatchObject({ status: 'draft', options: [{ id: 'yes' }, { id: 'no' }, { id: 'abstain' }], eligibleGroups: [...groups] });
    const pollId = created.poll.id;

    // A draft is the moderators' business.
    expect((await ok<JoinAck>(people[0]!.socket, 'session:join', { sessionId })).polls.polls.find((p) => p.id === pollId)).toBeUndefined();
    expect(await emit(people[0]!.socket, 'poll:vote', { sessionId, pollId, choice: 'yes' })).toMatchObject({ ok: false, error: { code: 'poll_not_open' } });
    expect(await emit(people[0]!.socket, 'poll:open', { sessionId, pollId })).toMatchObject({ ok: false, error: { code: 'not_moderator' } });

    const opened = nextEvent<PollStateMessage>(people[0]!.socket, 'poll:state', (m) => m.poll.id === pollId && m.poll.status === 'open');
    await ok(mod, 'poll:open', { sessionId, pollId });
    expect((await opened).poll.results).toBeUndefined();

    // government: yes, no; employers: yes, yes; workers: abstain, then one changes their mind from no to yes.
    const choices = ['yes', 'no', 'yes', 'yes', 'abstain', 'no'];
    const acks = await Promise.all(people.map(({ socket }, i) => ok<VoteAck>(socket, 'poll:vote', { sessionId, pollId, choice: choices[i] })));
    expect(acks.map((a) => a.replaced)).toEqual([false, false, false, false, false, false]);
    const again = await ok<VoteAck>(people[5]!.socket, 'poll:vote', { sessionId, pollId, choice: 'yes' });
    expect(again).toMatchObject({ replaced: true, choice: ['yes'] });
    // The same request sent twice (a lost ack) is answered once.
    const key = 'retry-key-0123456789';
    await ok(people[5]!.socket, 'poll:vote', { sessionId, pollId, choice: 'yes', idempotencyKey: key });
    expect(await ok<{ replayed: boolean }>(people[5]!.socket, 'poll:vote', { sessionId, pollId, choice: 'no', idempotencyKey: key })).toMatchObject({ replayed: true });
    expect(await emit(observerSocket, 'poll:vote', { sessionId, pollId, choice: 'yes' })).toMatchObject({ ok: false, error: { code: 'not_eligible' } });
    expect(await emit(people[0]!.socket, 'poll:vote', { sessionId, pollId, choice: 'maybe' })).toMatchObject({ ok: false, error: { code: 'invalid_choice' } });

    const closedMessage = nextEvent<PollStateMessage>(observerSocket, 'poll:state', (m) => m.poll.id === pollId && m.poll.status === 'closed');
    const closed = await ok<PollAck>(mod, 'poll:close', { sessionId, pollId });
    expect((await closedMessage).poll).toEqual(closed.poll);
    const results = closed.poll.results as Extract<PollView['results'], { byGroup: unknown }>;
    expect(results.total).toBe(6);
    expect(results.byChoice).toEqual({ yes: 4, no: 1, abstain: 1 });
    expect(results.byGroup.government).toEqual({ total: 2, byChoice: { yes: 1, no: 1, abstain: 0 } });
    expect(results.byGroup.employers).toEqual({ total: 2, byChoice: { yes: 2, no: 0, abstain: 0 } });
    expect(results.byGroup.workers).toEqual({ total: 2, byChoice: { yes: 1, no: 0, abstain: 1 } });
    expect(results.byGroup.international_organization.total).toBe(0);
    expect(results.valid).toBe(true);
    expect(closed.poll.voters?.map((v) => v.participantId).sort()).toEqual(people.map(({ p }) => p.id).sort());
    expect(await emit(people[0]!.socket, 'poll:vote', { sessionId, pollId, choice: 'no' })).toMatchObject({ ok: false, error: { code: 'poll_closed' } });

    // CSV for moderators and organisers, audited; delegates are refused.
    const csv = await fetch(`${server.url}/api/events/${eventId}/sessions/${sessionId}/polls/${pollId}/results.csv`, { headers: { authorization: `Bearer ${chair.token}` } });
    expect(csv.status).toBe(200);
    const text = await csv.text();
    expect(text).toContain('"result","employers","yes","yes","2"');
    expect(text).toContain(`"voter","workers","yes"`);
    expect((await fetch(`${server.url}/api/events/${eventId}/sessions/${sessionId}/polls/${pollId}/results.csv`, { headers: { authorization: `Bearer ${people[0]!.p.token}` } })).status).toBe(403);
    const audit = server.store.find<{ id: string; action: string; target: { id: string } }>('audit', { eventId });
    expect((await audit).filter((a) => a.target.id === `${sessionId}/${pollId}`).map((a) => a.action)).toEqual(['poll.create', 'poll.open', 'poll.close', 'poll.export']);
  });

  it('keeps secret votes secret: no voter in any message, snapshot, CSV or record, and no ballot left after the close', async () => {
    const people = await delegates(2, ['DE', 'IN']);
    const everything: unknown[] = [];
    for (const s of [mod, ...people.map((x) => x.socket)]) s.onAny((event: string, payload: unknown) => event.startsWith('poll:') && everything.push(payload));
    const { poll } = await ok<PollAck>(mod, 'poll:create', { sessionId, question: 'Elect the Vice-Chair: who?', kind: 'single', options: ['Ms Ito', 'Mr Diallo'], secret: true, liveResults: true });
    await ok(mod, 'poll:open', { sessionId, pollId: poll.id });
    const acks: unknown[] = [];
    for (const [i, { socket }] of people.entries()) acks.push(await ok(socket, 'poll:vote', { sessionId, pollId: poll.id, choice: i % 3 === 0 ? 'o1' : 'o2' }));
    // The voter sees their own choice again (and only theirs) on rejoining; a live secret poll shows the turnout only.
    const mine = await ok<JoinAck>(people[0]!.socket, 'session:join', { sessionId });
    expect(mine.polls.myChoices[poll.id]).toEqual(['o1']);
    const live = mine.polls.polls.find((p) => p.id === poll.id)!;
    expect(live.results).toEqual({ total: 6, final: false });
    // Stored ballots carry no voter.
    const ballots = await server.store.find<{ id: string; participantId?: string }>('poll_ballots', { pollId: poll.id });
    expect(ballots).toHaveLength(6);
    for (const b of ballots) {
      expect(b.participantId).toBeUndefined();
      for (const { p } of people) expect(JSON.stringify(b)).not.toContain(p.id);
    }
    const closed = await ok<PollAck>(mod, 'poll:close', { sessionId, pollId: poll.id });
    expect(closed.poll.results).toMatchObject({ total: 6, byChoice: { o1: 2, o2: 4 }, byGroup: { government: { total: 2, byChoice: { o1: 1, o2: 1 } } } });
    expect(closed.poll.voters).toBeUndefined();
    expect(await server.store.find('poll_ballots', { pollId: poll.id })).toEqual([]);

    const snapshot = await ok<JoinAck>(mod, 'session:join', { sessionId });
    const csv = await (await fetch(`${server.url}/api/events/${eventId}/sessions/${sessionId}/polls/${poll.id}/results.csv`, { headers: { authorization: `Bearer ${organizerToken}` } })).text();
    const recordJson = await getJson(`${server.url}/api/events/${eventId}/sessions/${sessionId}/record`, { headers: { authorization: `Bearer ${chair.token}` } });
    const audit = (await server.store.find<{ id: string; target: { id: string } }>('audit', { eventId })).filter((a) => a.target.id.endsWith(poll.id));
    const seen = JSON.stringify([everything, acks, snapshot.polls.polls.filter((p) => p.id === poll.id), csv, (recordJson.body as SessionRecord).polls.find((p) => p.id === poll.id), audit]);
    expect(everything.length).toBeGreaterThan(6);
    for (const { p } of people) {
      expect(seen).not.toContain(p.id);
      expect(seen).not.toContain(p.name);
    }
  });

  it('applies the ILO quorum: void unless the ballots reach half of the delegates present', async () => {
    // In a session of its own: six delegates of the three groups present, an observer who does not count, the organiser token in the chair.
    const quorumSession = 'thematic-1';
    const people = await delegates(2, ['AR', 'KE'], quorumSession);
    await open(await createParticipant(server, { name: 'Observer', group: 'international_organization', country: 'CH' }), server.url, quorumSession);
    const organiser = await connect(server.url, { token: organizerToken, eventId });
    sockets.push(organiser);
    await ok(organiser, 'session:join', { sessionId: quorumSession });
    const run = async (voters: number) => {
      const { poll } = await ok<PollAck>(organiser, 'poll:create', { sessionId: quorumSession, question: `Quorum with ${voters}`, kind: 'yes_no_abstain', quorum: 'ilo' });
      await ok(organiser, 'poll:open', { sessionId: quorumSession, pollId: poll.id });
      for (const { socket } of people.slice(0, voters)) await ok(socket, 'poll:vote', { sessionId: quorumSession, pollId: poll.id, choice: 'abstain' });
      return (await ok<PollAck>(organiser, 'poll:close', { sessionId: quorumSession, pollId: poll.id })).poll.results as Extract<PollView['results'], { quorum: unknown }>;
    };
    const short = await run(2);
    expect(short.quorum).toMatchObject({ rule: 'ilo', present: 6, required: 3, met: false });
    expect(short.valid).toBe(false);
    const enough = await run(3);
    expect(enough.quorum).toMatchObject({ present: 6, required: 3, met: true });
    expect(enough.valid).toBe(true);
    // Without a rule, the same turnout is simply valid.
    const { poll } = await ok<PollAck>(organiser, 'poll:create', { sessionId: quorumSession, question: 'No rule', kind: 'yes_no_abstain' });
    await ok(organiser, 'poll:open', { sessionId: quorumSession, pollId: poll.id });
    await ok(people[0]!.socket, 'poll:vote', { sessionId: quorumSession, pollId: poll.id, choice: 'yes' });
    expect((await ok<PollAck>(organiser, 'poll:close', { sessionId: quorumSession, pollId: poll.id })).poll.results).toMatchObject({ quorum: { rule: 'none' }, valid: true });
  });

  it('the draft record lists the chair, the speakers and the polls in order, in English and Chinese, as JSON, Markdown and a page', async () => {
    const [first, second] = await Promise.all([
      createParticipant(server, { name: 'Minister Okafor', group: 'government', country: 'NG' }),
      createParticipant(server, { name: 'Ms Rossi', group: 'workers', country: 'IT' }),
    ]);
    const a = await open(first);
    const b = await open(second);
    await ok(a, 'queue:request', { sessionId });
    await ok(b, 'queue:request', { sessionId });
    const queue = (await ok<JoinAck>(mod, 'session:join', { sessionId })).queue;
    const entryOf = (p: TestParticipant) => queue.entries.find((e) => e.participantId === p.id && e.status === 'waiting')!;
    await ok(mod, 'queue:give-floor', { sessionId, entryId: entryOf(second).id });
    ahead += 65_000;
    await ok(mod, 'queue:give-floor', { sessionId, entryId: entryOf(first).id });
    ahead += 30_000;
    await ok(mod, 'queue:end-floor', { sessionId });
    await ok(mod, 'qna:mode', { sessionId, mode: 'open' });
    const q = await ok<{ question: QuestionMessageBody }>(b, 'qna:ask', { sessionId, text: 'How will the just transition be funded?' });
    await ok(mod, 'qna:moderate', { sessionId, questionId: q.question.id, action: 'answer' });

    const { body, status } = await getJson<SessionRecord>(`${server.url}/api/events/${eventId}/sessions/${sessionId}/record?lang=en`, { headers: { authorization: `Bearer ${chair.token}` } });
    expect(status).toBe(200);
    expect(body.chair).toEqual([expect.objectContaining({ name: 'Chair Amadou', country: 'SN' })]);
    expect(body.speakers.map((s) => [s.name, s.country, s.group, s.kind])).toEqual([
      ['Ms Rossi', 'IT', 'workers', 'statement'],
      ['Minister Okafor', 'NG', 'government', 'statement'],
    ]);
    expect(body.speakers[0]!.spokenMs).toBeGreaterThanOrEqual(65_000);
    expect(body.speakers[1]!.spoken).toMatch(/^0:3\d$/);
    expect(body.questions).toEqual([expect.objectContaining({ text: 'How will the just transition be funded?', askedBy: 'Ms Rossi' })]);
    // The polls of the earlier tests, in the order they were held.
    const questions = body.polls.map((p) => p.question);
    expect(questions.slice(0, 2)).toEqual(['Shall the conference adopt the report?', 'Elect the Vice-Chair: who?']);
    expect(body.polls[0]!.rows.find((r) => r.label === 'Yes')).toMatchObject({ total: 4, byGroup: [1, 2, 1] });
    const quorumRecord = await getJson<SessionRecord>(`${server.url}/api/events/${eventId}/sessions/thematic-1/record?lang=en`, { headers: { authorization: `Bearer ${organizerToken}` } });
    expect(quorumRecord.body.polls.map((p) => [p.question, p.valid])).toEqual([['Quorum with 2', false], ['Quorum with 3', true], ['No rule', true]]);
    expect(quorumRecord.body.polls[0]!.quorumNote).toBe('Void: the ballots did not reach half of the delegates present (6 present, 3 needed).');

    const zh = await getJson<SessionRecord>(`${server.url}/api/events/${eventId}/sessions/${sessionId}/record?lang=zh`, { headers: { authorization: `Bearer ${chair.token}` } });
    expect(zh.body.speakers[0]!.groupLabel).toBe('工人');
    expect(zh.body.polls[0]!.rows[0]!.label).toBe('赞成');

    const md = await fetch(`${server.url}/api/events/${eventId}/sessions/${sessionId}/record?format=md&lang=en`, { headers: { authorization: `Bearer ${chair.token}` } });
    expect(md.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(md.headers.get('content-disposition')).toMatch(/attachment/);
    const markdown = await md.text();
    expect(markdown.indexOf('Ms Rossi')).toBeLessThan(markdown.indexOf('Minister Okafor'));
    expect(markdown.indexOf('Shall the conference adopt the report?')).toBeLessThan(markdown.indexOf('Elect the Vice-Chair: who?'));
    expect(markdown).toContain('| Yes | 4 | 1 | 2 | 1 |');

    const page = await fetch(`${server.url}/events/${eventId}/console/sessions/${sessionId}/record?lang=zh`, { headers: { authorization: `Bearer ${chair.token}` } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('会议记录草稿');
    expect(html).toContain('Minister Okafor');
    // Countries by name in the record's language; the organisers' navigation is not offered to a chair who is not one.
    expect(html).toContain('<td>尼日利亚</td>');
    expect(html).not.toContain('data-testid="console-nav"');
    // Delegates may not read the draft.
    expect((await getJson(`${server.url}/api/events/${eventId}/sessions/${sessionId}/record`, { headers: { authorization: `Bearer ${first.token}` } })).status).toBe(403);
  });
});

describe('polls survive a restart', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()?.();
  });

  it('an open poll keeps its ballots and tally, and a voter who votes again after the restart is still counted once', async () => {
    const dir = tempDir();
    let server = await startTestServer({ PLENARY_DATA_DIR: dir });
    const chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const voters = await Promise.all(groups.map((group, i) => createParticipant(server, { name: `Voter ${i}`, group, country: 'PE' })));
    let mod = await connect(server.url, { token: chair.token });
    await ok(mod, 'session:join', { sessionId });
    const { poll } = await ok<PollAck>(mod, 'poll:create', { sessionId, question: 'Adjourn?', kind: 'yes_no_abstain', secret: true });
    await ok(mod, 'poll:open', { sessionId, pollId: poll.id });
    for (const v of voters) {
      const s = await connect(server.url, { token: v.token });
      await ok(s, 'poll:vote', { sessionId, pollId: poll.id, choice: 'yes' });
      s.close();
    }
    mod.close();
    await server.close();

    server = await startTestServer({ PLENARY_DATA_DIR: dir });
    cleanup.push(() => server.close());
    mod = await connect(server.url, { token: chair.token });
    cleanup.push(() => void mod.close());
    const before = (await ok<JoinAck>(mod, 'session:join', { sessionId })).polls.polls.find((p) => p.id === poll.id)!;
    expect(before).toMatchObject({ status: 'open', ballots: 3 });
    const s = await connect(server.url, { token: voters[1]!.token });
    cleanup.push(() => void s.close());
    expect(await ok<VoteAck>(s, 'poll:vote', { sessionId, pollId: poll.id, choice: 'no' })).toMatchObject({ replaced: true });
    const closed = await ok<PollAck>(mod, 'poll:close', { sessionId, pollId: poll.id });
    expect(closed.poll.results).toMatchObject({ total: 3, byChoice: { yes: 2, no: 1, abstain: 0 }, byGroup: { employers: { total: 1, byChoice: { no: 1 } } } });
  }, 30_000);
});

describe.skipIf(!hasRedis)('a vote burst over two processes', () => {
  let cluster: ServerCluster;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    cluster = await startServerCluster(2, 'warn');
  }, 60_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await cluster?.stop();
  });

  it('300 delegates voting at once on two processes count exactly 300, by group', async () => {
    const [urlA, urlB] = cluster.urls as [string, string];
    const chair = await createParticipant({ url: urlA }, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const mod = await connect(urlA, { token: chair.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    const { poll } = await ok<PollAck>(mod, 'poll:create', { sessionId, question: 'Adopt the resolution?', kind: 'yes_no_abstain', secret: true, liveResults: true });
    await ok(mod, 'poll:open', { sessionId, pollId: poll.id });

    const delegates: TestParticipant[] = [];
    for (let i = 0; i < 300; i += 20) {
      delegates.push(...(await Promise.all(Array.from({ length: 20 }, (_, k) => createParticipant({ url: urlA }, { name: `Voter ${i + k}`, group: groups[(i + k) % 3], country: 'FR' })))));
    }
    const voters = await Promise.all(delegates.map((d, i) => connect(i % 2 === 0 ? urlA : urlB, { token: d.token })));
    sockets.push(...voters);
    await Promise.all(voters.map((s) => ok(s, 'session:join', { sessionId })));
    const seenOnB = record(voters[1]!, ['poll:state']);
    // Acks may take seconds on a CI machine running other test files beside this one:
    // what is asserted is that every acknowledged vote counts, not how fast.
    const acks = await Promise.all(voters.map((s, i) => emit<VoteAck>(s, 'poll:vote', { sessionId, pollId: poll.id, choice: ['yes', 'no', 'abstain'][i % 3] }, 60_000)));
    expect(acks.filter((a) => a.ok)).toHaveLength(300);

    const modB = await connect(urlB, { token: chair.token });
    sockets.push(modB);
    const closed = await ok<PollAck>(modB, 'poll:close', { sessionId, pollId: poll.id });
    expect(closed.poll.results).toMatchObject({ total: 300, byChoice: { yes: 100, no: 100, abstain: 100 } });
    const byGroup = (closed.poll.results as Extract<PollView['results'], { byGroup: unknown }>).byGroup;
    for (const g of groups) expect(byGroup[g].total).toBe(100);
    // Both processes agree, and a voter on B saw the tally grow (turnout only: it is secret).
    const view = (await ok<JoinAck>(mod, 'session:join', { sessionId })).polls.polls.find((p) => p.id === poll.id);
    expect(view?.results).toMatchObject({ total: 300, final: true });
    expect((seenOnB['poll:state'] as PollStateMessage[]).some((m) => m.poll.ballots > 0)).toBe(true);
  }, 120_000);
});
