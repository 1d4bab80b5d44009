// The line to the booth partners (issue 13): booth:note from an interpreter
// reaches the interpreters of that booth in the session only (the sender's
// own other tabs too), never the other booth, delegates or the chair; only
// an interpreter of that language may send; a flood is refused by the
// sockets' rate limiter.
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { BoothNoteMessage } from '../../server/protocol/events.ts';
import { connect, createParticipant, emit, nextEvent, ok, record, type TestParticipant } from '../support/realtime.ts';
import { startTestServer, waitFor } from '../support/server.ts';

describe('booth:note', () => {
  const sessionId = 'thematic-3';
  let server: Plenary;
  let anna: TestParticipant;
  let bo: TestParticipant;
  let cheng: TestParticipant;
  let chair: TestParticipant;
  let delegate: TestParticipant;
  const sockets: Socket[] = [];
  const open = async (p: TestParticipant): Promise<Socket> => {
    const socket = await connect(server.url, { token: p.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    return socket;
  };

  beforeAll(async () => {
    server = await startTestServer();
    anna = await createParticipant(server, { name: 'Anna (zh booth)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'zh' }] });
    bo = await createParticipant(server, { name: 'Bo (zh booth)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'zh' }] });
    cheng = await createParticipant(server, { name: 'Cheng (en booth)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'en' }] });
    chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    delegate = await createParticipant(server, { name: 'Delegate', group: 'workers', country: 'BR' });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.close();
  });

  it('reaches the booth partners only, from an interpreter of that booth only', async () => {
    const a = await open(anna);
    const b = await open(bo);
    const c = await open(cheng);
    const m = await open(chair);
    const d = await open(delegate);
    const others = [c, m, d].map((s) => record(s, ['booth:note']));

    const atBo = nextEvent<BoothNoteMessage>(b, 'booth:note');
    const atAnna = nextEvent<BoothNoteMessage>(a, 'booth:note');
    expect(await ok(a, 'booth:note', { sessionId, language: 'zh', text: '  Next speaker reads fast: take the PDF.  ' })).toMatchObject({ delivered: 2 });
    const note = await atBo;
    expect(note).toMatchObject({ sessionId, language: 'zh', from: { participantId: anna.id, name: 'Anna (zh booth)' }, text: 'Next speaker reads fast: take the PDF.' });
    expect(await atAnna).toEqual(note);

    // Refused: another booth's interpreter, the chair, a delegate; an empty or overlong line.
    expect(await emit(c, 'booth:note', { sessionId, language: 'zh', text: 'hello' })).toMatchObject({ ok: false, error: { code: 'not_interpreter' } });
    expect(await emit(m, 'booth:note', { sessionId, language: 'zh', text: 'hello' })).toMatchObject({ ok: false, error: { code: 'not_interpreter' } });
    expect(await emit(d, 'booth:note', { sessionId, language: 'zh', text: 'hello' })).toMatchObject({ ok: false, error: { code: 'not_interpreter' } });
    expect(await emit(a, 'booth:note', { sessionId, language: 'zh', text: '   ' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await emit(a, 'booth:note', { sessionId, language: 'zh', text: 'x'.repeat(501) })).toMatchObject({ ok: false, error: { code: 'bad_request' } });

    // The en booth's own line reaches Cheng, not the zh booth.
    const atCheng = nextEvent<BoothNoteMessage>(c, 'booth:note');
    await ok(c, 'booth:note', { sessionId, language: 'en', text: 'Alone today.' });
    expect((await atCheng).from.participantId).toBe(cheng.id);
    await new Promise((r) => setTimeout(r, 200));
    expect(others[0]!['booth:note']).toHaveLength(1);
    expect(others[1]!['booth:note']).toEqual([]);
    expect(others[2]!['booth:note']).toEqual([]);
  });

  it('is rate limited like every event', async () => {
    const b = await open(bo);
    const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => emit(b, 'booth:note', { sessionId, language: 'zh', text: `line ${i}` })));
    await waitFor(() => replies.length === 60);
    expect(replies.filter((r) => r.ok).length).toBeGreaterThan(0);
    expect(replies.filter((r) => !r.ok && r.error.code === 'rate_limited').length).toBeGreaterThan(0);
  });
});
