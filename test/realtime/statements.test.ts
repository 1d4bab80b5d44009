// Statements attached to queue entries (issue 13): a delegate uploads a PDF
// or UTF-8 text to their own entry; wrong types (by the bytes, not only the
// declared type) and sizes are refused with stable codes; the session's
// interpreters and moderators (and organisers) download it, other delegates
// may not; the queue notes the statement; the speaker language is set by a
// moderator (queue:language) and refused to delegates.
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxStatementBytes } from '../../server/domain/statements.ts';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, QueueStateMessage } from '../../server/protocol/events.ts';
import { connect, createParticipant, emit, eventId, nextEvent, ok, type TestParticipant } from '../support/realtime.ts';
import { organizerToken, startTestServer, waitFor } from '../support/server.ts';

const sessionId = 'thematic-1';
const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n', 'latin1'), Buffer.alloc(2000, 0x20), Buffer.from('\n%%EOF\n')]);
const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a49444154789c6360000000020001e221bc330000000049454e44ae426082', 'hex');

describe('statements attached to queue entries', () => {
  let server: Plenary;
  let speaker: TestParticipant;
  let other: TestParticipant;
  let interpreter: TestParticipant;
  let chair: TestParticipant;
  const sockets: Socket[] = [];
  const open = async (p: TestParticipant): Promise<{ socket: Socket; ack: JoinAck }> => {
    const socket = await connect(server.url, { token: p.token });
    sockets.push(socket);
    return { socket, ack: await ok<JoinAck>(socket, 'session:join', { sessionId }) };
  };
  const url = (entryId: string): string => `${server.url}/api/events/${eventId}/sessions/${sessionId}/queue/${entryId}/statement`;
  const put = (entryId: string, who: TestParticipant, body: Buffer | string, type: string): Promise<Response> =>
    fetch(url(entryId), { method: 'PUT', headers: { authorization: `Bearer ${who.token}`, 'content-type': type }, body: typeof body === 'string' ? body : new Uint8Array(body) });
  const refusal = async (res: Response): Promise<{ status: number; code: string }> => ({ status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code });

  beforeAll(async () => {
    server = await startTestServer();
    speaker = await createParticipant(server, { name: 'Speaker', group: 'government', country: 'ES' });
    other = await createParticipant(server, { name: 'Other delegate', group: 'workers', country: 'KE' });
    interpreter = await createParticipant(server, { name: 'Interpreter ZH', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'zh' }] });
    chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.close();
  });

  it('refuses wrong types and sizes, lets interpreters and moderators read it, and nobody else', async () => {
    const m = await open(chair);
    const s = await open(speaker);
    const o = await open(other);
    await ok(m.socket, 'session:open', { sessionId });
    const { entryId } = await ok<{ entryId: string }>(s.socket, 'queue:request', { sessionId, language: 'es' });
    const { entryId: otherEntry } = await ok<{ entryId: string }>(o.socket, 'queue:request', { sessionId });

    // Refused: a PNG, a PNG declared as a PDF, a PDF declared as text, binary "text", Latin-1 text, empty, too large.
    expect(await refusal(await put(entryId, speaker, png, 'image/png'))).toEqual({ status: 415, code: 'statement_type' });
    expect(await refusal(await put(entryId, speaker, png, 'application/pdf'))).toEqual({ status: 415, code: 'statement_type' });
    expect(await refusal(await put(entryId, speaker, pdf, 'text/plain'))).toEqual({ status: 415, code: 'statement_type' });
    expect(await refusal(await put(entryId, speaker, Buffer.from([0x48, 0x69, 0x00, 0x01, 0x02]), 'text/plain'))).toEqual({ status: 415, code: 'statement_type' });
    expect(await refusal(await put(entryId, speaker, Buffer.from('Se\xf1or Presidente', 'latin1'), 'text/plain'))).toEqual({ status: 415, code: 'statement_type' });
    expect(await refusal(await put(entryId, speaker, '', 'text/plain'))).toEqual({ status: 415, code: 'statement_type' });
    const tooLarge = Buffer.concat([pdf, Buffer.alloc(maxStatementBytes, 0x20)]);
    expect(await refusal(await put(entryId, speaker, tooLarge, 'application/pdf'))).toEqual({ status: 413, code: 'statement_too_large' });
    // Someone else's entry, and no caller at all.
    expect(await refusal(await put(otherEntry, speaker, 'Hello', 'text/plain'))).toEqual({ status: 403, code: 'forbidden' });
    expect((await fetch(url(entryId), { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'Hi' })).status).toBe(401);
    // Nothing was attached by the refusals.
    expect((await fetch(url(entryId), { headers: { authorization: `Bearer ${chair.token}` } })).status).toBe(404);

    // Accepted: UTF-8 text, then a PDF replacing it; the queue notes it.
    const noted = nextEvent<QueueStateMessage>(m.socket, 'queue:state', (q) => q.entries.some((e) => e.id === entryId && e.statement?.type === 'text/plain'));
    const text = 'Señor Presidente, 主席先生: the statement of Spain.\n';
    const accepted = await put(entryId, speaker, text, 'text/plain; charset=utf-8');
    expect(accepted.status).toBe(201);
    expect(await accepted.json()).toMatchObject({ entryId, statement: { type: 'text/plain', bytes: Buffer.byteLength(text) } });
    expect((await noted).entries.find((e) => e.id === entryId)).toMatchObject({ language: 'es', statement: { type: 'text/plain', bytes: Buffer.byteLength(text) } });

    const read = async (who: string): Promise<Response> => fetch(url(entryId), { headers: { authorization: `Bearer ${who}` } });
    const byInterpreter = await read(interpreter.token);
    expect(byInterpreter.status).toBe(200);
    expect(byInterpreter.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await byInterpreter.text()).toBe(text);

    expect((await put(entryId, speaker, pdf, 'application/pdf')).status).toBe(201);
    for (const token of [interpreter.token, chair.token, organizerToken, speaker.token]) {
      const res = await read(token);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
      expect(Buffer.from(await res.arrayBuffer()).equals(pdf)).toBe(true);
    }
    // Another delegate may not read it; nor may anyone not signed in.
    expect(await refusal(await read(other.token))).toEqual({ status: 403, code: 'forbidden' });
    expect((await fetch(url(entryId))).status).toBe(401);
  });

  it('lets a moderator set the language a speaker will use (queue:language), and nobody else', async () => {
    const m = await open(chair);
    const i = await open(interpreter);
    const o = await open(other);
    const entryId = (await ok<JoinAck>(m.socket, 'session:join', { sessionId })).queue.entries.find((e) => e.participantId === other.id && e.status === 'waiting')!.id;
    const seen = nextEvent<QueueStateMessage>(i.socket, 'queue:state', (q) => q.entries.some((e) => e.id === entryId && e.language === 'fr'));
    await ok(m.socket, 'queue:language', { sessionId, entryId, language: 'fr' });
    expect((await seen).entries.find((e) => e.id === entryId)?.language).toBe('fr');
    expect(await emit(o.socket, 'queue:language', { sessionId, entryId, language: 'en' })).toMatchObject({ ok: false, error: { code: 'not_moderator' } });
    expect(await emit(i.socket, 'queue:language', { sessionId, entryId, language: 'en' })).toMatchObject({ ok: false, error: { code: 'not_moderator' } });
    expect(await emit(m.socket, 'queue:language', { sessionId, entryId, language: 'not a language' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await emit(m.socket, 'queue:language', { sessionId, entryId: 'nope', language: 'en' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const cleared = nextEvent<QueueStateMessage>(m.socket, 'queue:state', (q) => q.entries.some((e) => e.id === entryId && e.language === undefined));
    await ok(m.socket, 'queue:language', { sessionId, entryId, language: null });
    await cleared;
  });

  it('deletes a session’s statements when it ends, and at start-up those of sessions that ended meanwhile', async () => {
    const ended = 'thematic-2';
    const endedUrl = (entryId: string): string => `${server.url}/api/events/${eventId}/sessions/${ended}/queue/${entryId}/statement`;
    const chair2 = await createParticipant(server, { name: 'Chair of the ended session', roles: [{ sessionId: ended, role: 'moderator' }, { sessionId, role: 'moderator' }] });
    const chairSocket = await connect(server.url, { token: chair2.token });
    const speakerSocket = await connect(server.url, { token: speaker.token });
    sockets.push(chairSocket, speakerSocket);
    await ok(chairSocket, 'session:join', { sessionId: ended });
    await ok(speakerSocket, 'session:join', { sessionId: ended });
    await ok(chairSocket, 'session:open', { sessionId: ended });
    const { entryId } = await ok<{ entryId: string }>(speakerSocket, 'queue:request', { sessionId: ended });
    const uploaded = await fetch(endedUrl(entryId), { method: 'PUT', headers: { authorization: `Bearer ${speaker.token}`, 'content-type': 'text/plain' }, body: 'Thank you, Chair.' });
    expect(uploaded.status).toBe(201);
    const readBy = (u: string, token: string): Promise<number> => fetch(u, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await readBy(endedUrl(entryId), chair2.token)).toBe(200);
    // The statement of the first test's session, still live, stays.
    const liveEntry = (await ok<JoinAck>(chairSocket, 'session:join', { sessionId })).queue.entries.find((e) => e.participantId === speaker.id && e.statement)!.id;

    await ok(chairSocket, 'session:end', { sessionId: ended });
    await waitFor(async () => (await readBy(endedUrl(entryId), organizerToken)) === 404);
    expect(await server.store.find('statements', { eventId, sessionId: ended })).toEqual([]);
    expect(await readBy(url(liveEntry), interpreter.token)).toBe(200);

    // A statement the end did not reach (a process crashed as the session ended): gone after the next start.
    await server.store.put('statements', { id: `${eventId}/${ended}/left-behind`, eventId, sessionId: ended, entryId: 'left-behind', participantId: speaker.id, type: 'text/plain', bytes: 2, uploadedAt: new Date().toISOString(), data: 'SGk=' });
    for (const s of sockets.splice(0)) s.close();
    const dataDir = server.config.dataDir;
    await server.close();
    server = await startTestServer({ PLENARY_DATA_DIR: dataDir });
    await waitFor(async () => (await server.store.find('statements', { eventId, sessionId: ended })).length === 0);
    expect(await readBy(url(liveEntry), interpreter.token)).toBe(200);
  });
});
