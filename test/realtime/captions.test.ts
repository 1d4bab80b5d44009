// Live captions over Socket.IO (issue 13): a captioner's lines reach the
// delegates in the room with increasing sequence numbers; anyone else, or a
// captioner of another language, is refused; final lines make the transcript
// organisers download (and nobody else), linked from their session console.
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { CaptionLineMessage, JoinAck } from '../../server/protocol/events.ts';
import { connect, createParticipant, emit, eventId, ok, record, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer, waitFor } from '../support/server.ts';

const sessionId = 'thematic-1';

describe('live captions over Socket.IO', () => {
  let server: Plenary;
  let captioner: TestParticipant;
  let chair: TestParticipant;
  let delegate: TestParticipant;
  const sockets: Socket[] = [];
  const open = async (p: TestParticipant): Promise<{ socket: Socket; ack: JoinAck }> => {
    const socket = await connect(server.url, { token: p.token });
    sockets.push(socket);
    return { socket, ack: await ok<JoinAck>(socket, 'session:join', { sessionId }) };
  };

  beforeAll(async () => {
    server = await startTestServer();
    captioner = await createParticipant(server, { name: 'Captioner EN', group: 'international_organization', roles: [{ sessionId, role: 'captioner', language: 'en' }] });
    chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    delegate = await createParticipant(server, { name: 'Delegate', group: 'employers', country: 'KE' });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.close();
  });

  it('numbers each line, reaches the delegates, refuses everyone else, and keeps final lines for the organisers’ transcript', async () => {
    const c = await open(captioner);
    const m = await open(chair);
    const d = await open(delegate);
    expect(c.ack.access).toMatchObject({ captionLanguages: ['en'] });
    // Not before the session is live.
    expect(await emit(c.socket, 'caption:line', { sessionId, language: 'en', text: 'Too early' })).toMatchObject({ ok: false, error: { code: 'session_not_live' } });
    await ok(m.socket, 'session:open', { sessionId });

    const seen = record(d.socket, ['caption:line']);
    const a = await ok<{ seq: number }>(c.socket, 'caption:line', { sessionId, language: 'en', text: 'Good morn', final: false });
    const b = await ok<{ seq: number }>(c.socket, 'caption:line', { sessionId, language: 'en', text: 'Good morning, delegates.', final: true });
    const e = await ok<{ seq: number }>(c.socket, 'caption:line', { sessionId, language: 'en', text: 'The sitting is open.' });
    expect([a.seq, b.seq, e.seq]).toEqual([a.seq, a.seq + 1, a.seq + 2]);
    await waitFor(() => seen['caption:line']!.length === 3);
    expect(seen['caption:line']).toEqual([
      expect.objectContaining({ sessionId, language: 'en', text: 'Good morn', final: false, seq: a.seq }),
      expect.objectContaining({ sessionId, language: 'en', text: 'Good morning, delegates.', final: true, seq: b.seq }),
      expect.objectContaining({ text: 'The sitting is open.', final: true, seq: e.seq }),
    ] satisfies Partial<CaptionLineMessage>[]);

    // Someone joining now gets the last final lines (not the interim one), without who typed them.
    const late = await open(delegate);
    expect(late.ack.captions).toEqual([
      { sessionId, language: 'en', text: 'Good morning, delegates.', final: true, seq: b.seq, at: expect.any(String) },
      { sessionId, language: 'en', text: 'The sitting is open.', final: true, seq: e.seq, at: expect.any(String) },
    ]);

    // Refused: a delegate, the chair, the captioner in another language, an overlong or empty final line.
    expect(await emit(d.socket, 'caption:line', { sessionId, language: 'en', text: 'Hello' })).toMatchObject({ ok: false, error: { code: 'not_captioner' } });
    expect(await emit(m.socket, 'caption:line', { sessionId, language: 'en', text: 'Hello' })).toMatchObject({ ok: false, error: { code: 'not_captioner' } });
    expect(await emit(c.socket, 'caption:line', { sessionId, language: 'fr', text: 'Bonjour' })).toMatchObject({ ok: false, error: { code: 'not_captioner' } });
    expect(await emit(c.socket, 'caption:line', { sessionId, language: 'en', text: 'x'.repeat(1200) })).toMatchObject({ ok: false, error: { code: 'invalid_caption' } });
    expect(await emit(c.socket, 'caption:line', { sessionId, language: 'en', text: '  ', final: true })).toMatchObject({ ok: false, error: { code: 'invalid_caption' } });
    expect(await emit(c.socket, 'caption:line', { sessionId, language: 'en' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });

    // The transcript: final lines only, for organisers.
    const url = `${server.url}/api/events/${eventId}/sessions/${sessionId}/captions`;
    const json = await getJson<{ lines: { text: string; seq: number }[] }>(url, { headers: { authorization: `Bearer ${organizerToken}` } });
    expect(json.status).toBe(200);
    expect(json.body.lines.map((l) => l.text)).toEqual(['Good morning, delegates.', 'The sitting is open.']);
    const vtt = await fetch(`${url}?format=vtt&language=en`, { headers: { authorization: `Bearer ${organizerToken}` } });
    expect(vtt.headers.get('content-type')).toMatch(/^text\/vtt/);
    expect(await vtt.text()).toMatch(/^WEBVTT\n\n\d+\n00:00:00\.000 --> .*\n<lang en>Good morning, delegates\.<\/lang>/);
    const txt = await fetch(`${url}?format=txt`, { headers: { authorization: `Bearer ${organizerToken}` } });
    expect(await txt.text()).toMatch(/\(en\) The sitting is open\.\n$/);
    expect((await getJson(url, { headers: { authorization: `Bearer ${delegate.token}` } })).status).toBe(403);
    expect((await getJson(url, { headers: { authorization: `Bearer ${chair.token}` } })).status).toBe(403);
    expect((await getJson(url)).status).toBe(401);

    // The organisers' session console links each session's transcript as text, named for screen readers.
    const page = await (await fetch(`${server.url}/events/${eventId}/console/sessions?lang=fr`, { headers: { authorization: `Bearer ${organizerToken}`, accept: 'text/html' } })).text();
    const link = new RegExp(`<a href="([^"]*/sessions/${sessionId}/captions\\?format(?:=|&#x3D;)txt)" aria-label="([^"]*)" download`).exec(page);
    expect(link?.[2]).toMatch(/^Transcription des sous-titres de .+ \(texte\)$/);
    const download = await fetch(`${server.url}${link![1]!.replaceAll('&#x3D;', '=')}`, { headers: { authorization: `Bearer ${organizerToken}` } });
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="?[\w-]+-captions\.txt"?$/);
    expect(await download.text()).toMatch(/Good morning, delegates\.\n.*The sitting is open\.\n$/s);
  });

  it('keeps numbering and the transcript across a restart', async () => {
    const before = await open(captioner);
    const last = await ok<{ seq: number }>(before.socket, 'caption:line', { sessionId, language: 'en', text: 'Before the restart.' });
    for (const s of sockets.splice(0)) s.close();
    const dataDir = server.config.dataDir;
    await server.close();
    server = await startTestServer({ PLENARY_DATA_DIR: dataDir });
    const after = await open(captioner);
    const d = await open(delegate);
    const seen = record(d.socket, ['caption:line']);
    const next = await ok<{ seq: number }>(after.socket, 'caption:line', { sessionId, language: 'en', text: 'After the restart.' });
    expect(next.seq).toBe(last.seq + 1);
    await waitFor(() => seen['caption:line']!.length === 1);
    const json = await getJson<{ lines: { text: string; seq: number }[] }>(`${server.url}/api/events/${eventId}/sessions/${sessionId}/captions`, { headers: { authorization: `Bearer ${organizerToken}` } });
    expect(json.body.lines.map((l) => l.text)).toEqual(['Good morning, delegates.', 'The sitting is open.', 'Before the restart.', 'After the restart.']);
    // The join snapshot keeps the last three final lines of each language.
    await ok(after.socket, 'caption:line', { sessionId, language: 'en', text: 'Typing', final: false });
    expect((await open(delegate)).ack.captions?.map((l) => l.text)).toEqual(['The sitting is open.', 'Before the restart.', 'After the restart.']);
  });
});
