// The running order (issue 18, item 1) over HTTP and Socket.IO: organisers
// and the session's moderators edit it (validated, versioned), delegates
// read it; run:advance is moderator-only, broadcast as run:state to the
// room and part of the join snapshot; planned and actual times; audited;
// statements' texts deleted when their session is over.
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { openStore } from '../../server/store/open-store.ts';
import { ProgrammeRepository } from '../../server/store/repositories.ts';
import type { JoinAck, RunStateMessage } from '../../server/protocol/events.ts';
import { connect, createParticipant, emit, eventId, nextEvent, ok, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer, waitFor } from '../support/server.ts';

const sessionId = 'thematic-1';
const url = `/api/events/${eventId}/sessions/${sessionId}/running-order`;

describe('the running order over HTTP and Socket.IO', () => {
  let server: Plenary;
  let chair: TestParticipant;
  let delegate: TestParticipant;
  const sockets: Socket[] = [];
  const put = (token: string, body: unknown) =>
    getJson<RunStateMessage & { timings: { id: string; plannedMs: number; actualMs: number }[]; error?: { code: string } }>(`${server.url}${url}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const open = async (p: TestParticipant): Promise<{ socket: Socket; ack: JoinAck }> => {
    const socket = await connect(server.url, { token: p.token });
    sockets.push(socket);
    return { socket, ack: await ok<JoinAck>(socket, 'session:join', { sessionId }) };
  };

  beforeAll(async () => {
    server = await startTestServer();
    chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    delegate = await createParticipant(server, { name: 'Delegate', group: 'workers', country: 'BR' });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.close();
  });

  it('is edited by moderators and organisers, validated and versioned; delegates read it', async () => {
    const items = [
      { id: 'hos-1', kind: 'statement', title: 'Statement', speaker: 'Head of State or Government', prerecorded: true, plannedMs: 300_000 },
      { id: 'panel', kind: 'panel', title: 'Interactive panel', plannedMs: 1_800_000 },
      { id: 'floor', kind: 'floor', title: 'Open floor', plannedMs: 900_000 },
    ];
    // The seed gave the session the programme's order (version 1); the organiser replaces it.
    const seeded = await getJson<RunStateMessage>(`${server.url}${url}`, { headers: { authorization: `Bearer ${organizerToken}` } });
    expect(seeded.body).toMatchObject({ version: 1, items: [{ id: 'hos-1', speaker: 'Head of State or Government (1)' }, {}, {}, {}, { id: 'panel' }] });
    expect((await put(organizerToken, { version: 0, items })).body.error?.code).toBe('running_order_changed');
    const first = await put(organizerToken, { version: 1, items });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ sessionId, version: 2, currentItemId: null, items: [{ id: 'hos-1', status: 'pending', actualMs: 0 }, { id: 'panel' }, { id: 'floor' }] });
    const second = await put(chair.token, { version: 2, items: [...items, { id: 'tea', kind: 'break', title: 'Break', plannedMs: 600_000 }] });
    expect(second.body.version).toBe(3);

    expect((await put(chair.token, { version: 2, items })).body.error?.code).toBe('running_order_changed');
    expect((await put(chair.token, { items: [{ id: 'x', kind: 'speech', title: 'x', plannedMs: 1 }] })).body.error?.code).toBe('invalid_running_order');
    expect((await put(chair.token, { items: [{ id: 'x', kind: 'break', title: 'x', plannedMs: -5 }] })).body.error?.code).toBe('invalid_running_order');
    expect((await put(chair.token, { items: [{ id: 'x', kind: 'statement', title: 'x', speakerId: 'no-such-person', plannedMs: 5 }] })).body.error?.code).toBe('unknown_speaker');
    const withSpeaker = await put(chair.token, { items: [...items.slice(0, 1), { id: 'dg', kind: 'statement', title: 'Reply', speakerId: delegate.id, plannedMs: 60_000 }, ...items.slice(1)] });
    expect(withSpeaker.body.version).toBe(4);
    const refused = await put(delegate.token, { items });
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'not_moderator']);
    expect((await getJson(`${server.url}${url}`)).status).toBe(401);

    const read = await getJson<RunStateMessage>(`${server.url}${url}`, { headers: { authorization: `Bearer ${delegate.token}` } });
    expect(read.status).toBe(200);
    expect(read.body.items.map((i) => i.id)).toEqual(['hos-1', 'dg', 'panel', 'floor']);
    expect(JSON.stringify(read.body)).not.toContain('speakerId');
  });

  it('advances for moderators only, broadcasts run:state, is in the join snapshot, and keeps actual times; audited', async () => {
    const m = await open(chair);
    const d = await open(delegate);
    expect(d.ack.run).toMatchObject({ sessionId, version: 4, currentItemId: null });
    expect(await emit(d.socket, 'run:advance', { sessionId, itemId: 'hos-1' })).toMatchObject({ ok: false, error: { code: 'not_moderator' } });
    expect(await emit(m.socket, 'run:advance', { sessionId, itemId: 'nope' })).toMatchObject({ ok: false, error: { code: 'run_item_not_found' } });

    const seen = nextEvent<RunStateMessage>(d.socket, 'run:state');
    expect(await ok(m.socket, 'run:advance', { sessionId, itemId: 'hos-1' })).toMatchObject({ version: 5, currentItemId: 'hos-1' });
    expect(await seen).toMatchObject({ sessionId, version: 5, currentItemId: 'hos-1', items: [{ id: 'hos-1', status: 'current', startedAt: expect.any(String) }, {}, {}, {}] });
    // Advancing to the item running changes nothing.
    expect(await ok(m.socket, 'run:advance', { sessionId, itemId: 'hos-1' })).toMatchObject({ version: 5 });
    await new Promise((r) => setTimeout(r, 60));
    const next = nextEvent<RunStateMessage>(d.socket, 'run:state', (s) => s.currentItemId === 'panel');
    await ok(m.socket, 'run:advance', { sessionId, itemId: 'panel' });
    const state = await next;
    expect(state.items[0]).toMatchObject({ id: 'hos-1', status: 'done', endedAt: expect.any(String) });
    expect(state.items[0]!.actualMs).toBeGreaterThanOrEqual(50);

    // A fresh join sees the current item; the planned and actual times over HTTP.
    const again = await open(delegate);
    expect(again.ack.run.currentItemId).toBe('panel');
    const read = await getJson<{ timings: { id: string; plannedMs: number; actualMs: number; overrunMs: number }[] }>(`${server.url}${url}`, { headers: { authorization: `Bearer ${chair.token}` } });
    expect(read.body.timings[0]).toMatchObject({ id: 'hos-1', plannedMs: 300_000, overrunMs: 0 });
    expect(read.body.timings[0]!.actualMs).toBeGreaterThanOrEqual(50);

    // The draft record lists the running order, planned against actual.
    const record = await getJson<{ runningOrder: { title: string; planned: string; actualMs: number; overrun: string }[] }>(`${server.url}/api/events/${eventId}/sessions/${sessionId}/record?lang=en`, { headers: { authorization: `Bearer ${chair.token}` } });
    expect(record.status).toBe(200);
    expect(record.body.runningOrder.map((r) => r.title)).toEqual(['Statement', 'Reply', 'Interactive panel', 'Open floor']);
    expect(record.body.runningOrder[0]).toMatchObject({ planned: '5:00', overrun: '' });
    expect(record.body.runningOrder[0]!.actualMs).toBeGreaterThanOrEqual(50);
    const md = await fetch(`${server.url}/api/events/${eventId}/sessions/${sessionId}/record?format=md&lang=en`, { headers: { authorization: `Bearer ${chair.token}` } });
    expect(await md.text()).toMatch(/## Running order: planned and actual\n\n\| No\. \| Item \| Name \| Planned \| Actual \| Overrun \|\n[^\n]+\n\| 1 \| Statement \(Statement\) \| Head of State or Government \| 5:00 \| 0:0\d \|/);

    const audit = await getJson<{ entries: { action: string; after: unknown }[] }>(`${server.url}/api/events/${eventId}/audit`, { headers: { authorization: `Bearer ${organizerToken}` } });
    const actions = audit.body.entries.map((e) => e.action).filter((a) => a.startsWith('run.'));
    expect(actions).toEqual(['run.edit', 'run.edit', 'run.edit', 'run.advance', 'run.advance']);
  });

  it('takes a statement’s text for the interpreters (PDF or UTF-8 text, checked by its bytes); interpreters and moderators read it, delegates do not', async () => {
    const interpreter = await createParticipant(server, { name: 'Interprète', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    const textUrl = (itemId: string) => `${server.url}${url}/${itemId}/text`;
    const upload = (token: string, itemId: string, body: string | Buffer, type: string) =>
      getJson<{ itemId?: string; text?: { type: string; bytes: number }; error?: { code: string } }>(textUrl(itemId), { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body: typeof body === 'string' ? body : new Uint8Array(body) });
    const statement = 'Monsieur le Président, excellences, 女士们、先生们：\nThe recovery must be human-centred.\n';

    const ok = await upload(chair.token, 'hos-1', statement, 'text/plain; charset=utf-8');
    expect(ok.status).toBe(201);
    expect(ok.body.text).toMatchObject({ type: 'text/plain', bytes: Buffer.byteLength(statement) });
    // Refused: not a statement, bytes that are not what is declared, a delegate, an unknown item, too large.
    expect((await upload(chair.token, 'panel', statement, 'text/plain')).body.error?.code).toBe('invalid_running_order');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    expect(await upload(chair.token, 'hos-1', png, 'application/pdf').then((r) => [r.status, r.body.error?.code])).toEqual([415, 'statement_type']);
    expect(await upload(delegate.token, 'hos-1', statement, 'text/plain').then((r) => [r.status, r.body.error?.code])).toEqual([403, 'not_moderator']);
    expect((await upload(chair.token, 'ghost', statement, 'text/plain')).body.error?.code).toBe('run_item_not_found');
    expect((await upload(chair.token, 'hos-1', Buffer.alloc(5 * 1024 * 1024 + 1, 0x61), 'text/plain')).body.error?.code).toBe('statement_too_large');
    // The statement's speaker may attach their own (dg's speakerId is the delegate).
    expect((await upload(delegate.token, 'dg', '%PDF-1.7\n%âãÏÓ\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n', 'application/pdf')).status).toBe(201);

    // The order notes that a text is attached (not its words); the interpreter and the chair read it.
    const order = await getJson<RunStateMessage>(`${server.url}${url}`, { headers: { authorization: `Bearer ${delegate.token}` } });
    expect(order.body.items.find((i) => i.id === 'hos-1')?.text).toMatchObject({ type: 'text/plain' });
    expect(JSON.stringify(order.body)).not.toContain('human-centred');
    for (const token of [interpreter.token, chair.token, organizerToken]) {
      const res = await fetch(textUrl('hos-1'), { headers: { authorization: `Bearer ${token}` } });
      expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([200, 'text/plain; charset=utf-8', statement]);
    }
    const pdf = await fetch(textUrl('dg'), { headers: { authorization: `Bearer ${interpreter.token}` } });
    expect([pdf.status, pdf.headers.get('content-type')]).toEqual([200, 'application/pdf']);
    expect((await fetch(textUrl('hos-1'), { headers: { authorization: `Bearer ${delegate.token}` } })).status).toBe(403);
    expect((await getJson<{ error: { code: string } }>(textUrl('floor'), { headers: { authorization: `Bearer ${interpreter.token}` } })).body.error.code).toBe('not_found');
    // An edit keeps the text.
    const kept = await getJson<RunStateMessage>(`${server.url}${url}`, { headers: { authorization: `Bearer ${chair.token}` } });
    const items = kept.body.items.map(({ id, kind, title, speaker, prerecorded, plannedMs }) => ({ id, kind, title, ...(speaker ? { speaker } : {}), ...(prerecorded ? { prerecorded } : {}), plannedMs }));
    const edited = await put(chair.token, { items: [...items].reverse() });
    expect(edited.body.items.find((i) => i.id === 'hos-1')?.text).toMatchObject({ type: 'text/plain' });
  });

  it('sorts by the event’s protocol order when asked; organisers set that order, others may only read it', async () => {
    const protocolUrl = `${server.url}/api/events/${eventId}/protocol-order`;
    const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
    expect((await getJson<{ ranks: string[] }>(protocolUrl, { headers: auth(delegate.token) })).body.ranks.slice(0, 2)).toEqual(['head_of_state', 'head_of_government']);
    const items = [
      { id: 'pm', kind: 'statement', title: 'Statement', speaker: 'Prime Minister of Norway', protocol: 'head_of_government', prerecorded: true, plannedMs: 300_000 },
      { id: 'sg', kind: 'statement', title: 'Address', speaker: 'Secretary-General', protocol: 'head_of_organization', plannedMs: 300_000 },
      { id: 'president', kind: 'statement', title: 'Statement', speaker: 'President of Chile', protocol: 'head_of_state', prerecorded: true, plannedMs: 300_000 },
      { id: 'panel-2', kind: 'panel', title: 'Panel', plannedMs: 600_000 },
    ];
    const current = (await getJson<RunStateMessage>(`${server.url}${url}`, { headers: auth(chair.token) })).body;
    const keep = current.items.filter((i) => i.status === 'current').map(({ id, kind, title, plannedMs }) => ({ id, kind, title, plannedMs }));
    const sorted = await put(chair.token, { items: [...keep, ...items], sort: 'protocol' });
    expect(sorted.status).toBe(200);
    expect(sorted.body.items.map((i) => i.id)).toEqual([...keep.map((i) => i.id), 'president', 'pm', 'sg', 'panel-2']);
    // The moderator may still move someone by hand: without sort, the order sent stands.
    const byHand = await put(chair.token, { items: [...keep, items[1], items[2], items[0], items[3]] });
    expect(byHand.body.items.map((i) => i.id)).toEqual([...keep.map((i) => i.id), 'sg', 'president', 'pm', 'panel-2']);

    // An event that ranks heads of organisations first.
    const ranks = ['head_of_organization', 'head_of_state', 'head_of_government', 'vice_president', 'minister', 'social_partner', 'other'];
    expect((await getJson(protocolUrl, { method: 'PUT', headers: auth(chair.token), body: JSON.stringify({ ranks }) })).status).toBe(403);
    expect((await getJson<{ error: { code: string } }>(protocolUrl, { method: 'PUT', headers: auth(organizerToken), body: JSON.stringify({ ranks: ranks.slice(1) }) })).body.error.code).toBe('invalid_running_order');
    expect((await getJson(protocolUrl, { method: 'PUT', headers: auth(organizerToken), body: JSON.stringify({ ranks }) })).status).toBe(200);
    const resorted = await put(chair.token, { items: [...keep, ...items], sort: 'protocol' });
    expect(resorted.body.items.map((i) => i.id)).toEqual([...keep.map((i) => i.id), 'sg', 'president', 'pm', 'panel-2']);
    expect((await put(chair.token, { items: [{ id: 'x', kind: 'break', title: 'Break', protocol: 'minister', plannedMs: 1 }] })).body.error?.code).toBe('invalid_running_order');
  });

  it('deletes the statements’ texts when their session ends, and at start-up those an end did not reach or of a session that ended while no process ran; a live session keeps its own', async () => {
    const over = 'thematic-2';
    const live = 'thematic-3';
    const orderUrl = (s: string): string => `${server.url}/api/events/${eventId}/sessions/${s}/running-order`;
    const chair2 = await createParticipant(server, { name: 'Chair of two sessions', roles: [{ sessionId: over, role: 'moderator' }, { sessionId: live, role: 'moderator' }] });
    const interpreter = await createParticipant(server, { name: 'Intérprete', group: 'international_organization', roles: [{ sessionId: over, role: 'interpreter', language: 'es' }, { sessionId: live, role: 'interpreter', language: 'es' }] });
    const headers = (token: string, type?: string) => ({ authorization: `Bearer ${token}`, ...(type ? { 'content-type': type } : {}) });
    const items = [{ id: 'hos-1', kind: 'statement', title: 'Statement', speaker: 'Head of State', plannedMs: 300_000 }, { id: 'panel', kind: 'panel', title: 'Panel', plannedMs: 600_000 }];
    const read = (s: string): Promise<number> => fetch(`${orderUrl(s)}/hos-1/text`, { headers: headers(interpreter.token) }).then((r) => r.status);
    const note = async (s: string): Promise<unknown> => (await getJson<RunStateMessage>(orderUrl(s), { headers: headers(organizerToken) })).body.items.find((i) => i.id === 'hos-1')?.text;
    for (const s of [over, live]) {
      expect((await getJson(orderUrl(s), { method: 'PUT', headers: headers(organizerToken, 'application/json'), body: JSON.stringify({ items }) })).status).toBe(200);
      expect((await fetch(`${orderUrl(s)}/hos-1/text`, { method: 'PUT', headers: headers(chair2.token, 'text/plain'), body: 'Excelentísimos señores.' })).status).toBe(201);
      expect(await read(s)).toBe(200);
    }
    const socket = await connect(server.url, { token: chair2.token });
    sockets.push(socket);
    for (const s of [over, live]) {
      await ok(socket, 'session:join', { sessionId: s });
      await ok(socket, 'session:open', { sessionId: s });
    }
    const cleared = nextEvent<RunStateMessage>(socket, 'run:state', (m) => m.sessionId === over && m.items.every((i) => !i.text));

    // The end: the text is gone (not_found), the room's order stops offering it, the other session's stays.
    await ok(socket, 'session:end', { sessionId: over });
    await cleared;
    const gone = await getJson<{ error: { code: string } }>(`${orderUrl(over)}/hos-1/text`, { headers: headers(chair2.token) });
    expect([gone.status, gone.body.error.code]).toEqual([404, 'not_found']);
    expect(await note(over)).toBeUndefined();
    expect(await server.store.find('running_order_texts', { eventId, sessionId: over })).toEqual([]);
    expect(await read(live)).toBe(200);

    // A text the end did not reach (a process crashed as the session ended, none ran after): gone after the next start, with its note.
    await server.store.put('running_order_texts', { id: `${eventId}/${over}/hos-1`, eventId, sessionId: over, itemId: 'hos-1', type: 'text/plain', bytes: 2, uploadedAt: new Date().toISOString(), data: 'SGk=' });
    const stored = (await server.store.get<RunStateMessage & { id: string; items: Record<string, unknown>[] }>('running_orders', `${eventId}/${over}`))!;
    await server.store.put('running_orders', { ...stored, items: stored.items.map((i) => (i.id === 'hos-1' ? { ...i, text: { type: 'text/plain', bytes: 2, uploadedAt: new Date().toISOString() } } : i)) });
    expect(await note(over)).toMatchObject({ type: 'text/plain' });
    for (const s of sockets.splice(0)) s.close();
    const dataDir = server.config.dataDir;
    await server.close();
    server = await startTestServer({ PLENARY_DATA_DIR: dataDir });
    await waitFor(async () => (await server.store.find('running_order_texts', { eventId, sessionId: over })).length === 0);
    await waitFor(async () => (await note(over)) === undefined);
    expect(await read(over)).toBe(404);
    expect(await read(live)).toBe(200);

    // A session that ended while no process ran (its status changed in the store): its text goes at the next start.
    await server.close();
    const store = await openStore({ mongodbUri: undefined, dataDir });
    const repo = new ProgrammeRepository(store);
    await repo.updateSession({ ...(await repo.getSession(eventId, live))!, status: 'ended' });
    await store.close();
    server = await startTestServer({ PLENARY_DATA_DIR: dataDir });
    await waitFor(async () => (await server.store.find('running_order_texts', { eventId, sessionId: live })).length === 0);
    await waitFor(async () => (await note(live)) === undefined);
    expect(await read(live)).toBe(404);
  });
});
