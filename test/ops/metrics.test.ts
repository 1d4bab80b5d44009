import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { startMediaServer } from '../media/support.ts';
import { connect, createParticipant, emit, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { organizerToken } from '../support/server.ts';

const sessionId = 'thematic-1';
const metricsToken = 'metrics-scraper-token-0123456789';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of Prometheus text format 0.0.4: every line is a comment or a sample, and each sample's family was declared. */
function parse(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      expect(types.has(type[1]!), `family ${type[1]} declared twice`).toBe(false);
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    expect(m, `not a sample line: ${line}`).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const pair of (m![2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    const name = m![1]!;
    const family = name.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(name) || types.has(family), `sample ${name} without a # TYPE`).toBe(true);
    samples.push({ name, labels, value: Number(m![3]) });
  }
  return { types, samples };
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('GET /metrics', () => {
  let server: Plenary;
  let moderator: TestParticipant;
  let delegate: TestParticipant;
  const sockets: Socket[] = [];

  const scrape = async (authorization?: string): Promise<Response> =>
    fetch(`${server.url}/metrics`, { headers: authorization ? { authorization } : {} });

  beforeAll(async () => {
    server = await startMediaServer({ METRICS_TOKEN: metricsToken });
    moderator = await createParticipant(server, { name: 'Moderator', roles: [{ sessionId, role: 'moderator' }] });
    delegate = await createParticipant(server, { name: 'Delegate' });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.close();
  });

  it('refuses anonymous callers (401) and participants who are not organisers (403)', async () => {
    const anonymous = await scrape();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    expect((await scrape('Bearer not-the-metrics-token-at-all')).status).toBe(401);
    const participant = await scrape(`Bearer ${delegate.token}`);
    expect(participant.status).toBe(403);
    expect(await participant.json()).toMatchObject({ error: { code: 'not_organizer' } });
    expect((await scrape(`Bearer ${organizerToken}`)).status).toBe(200);
  });

  it('counts requests by route, sockets and events by outcome, live sessions, queue and questions, media workers and the store', async () => {
    expect((await fetch(`${server.url}/api/events/${eventId}/programme`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/events/no-such-event/programme`)).status).toBe(404);

    const mod = await connect(server.url, { token: moderator.token });
    const del = await connect(server.url, { token: delegate.token });
    sockets.push(mod, del);
    await ok(mod, 'session:join', { sessionId });
    await ok(del, 'session:join', { sessionId });
    expect(await emit(del, 'queue:request', { sessionId, kind: 'statement' })).toMatchObject({ ok: false, error: { code: 'session_not_live' } });
    await ok(mod, 'session:open', { sessionId });
    await ok(del, 'queue:request', { sessionId, kind: 'statement' });
    await ok(del, 'qna:ask', { sessionId, text: 'How are the budgets shared between the groups?' });
    expect(await emit(del, 'no:such-event', {})).toMatchObject({ ok: false, error: { code: 'unknown_event' } });
    // A router on the worker, as the first media request of a live session opens.
    await server.media!.session(eventId, sessionId);

    const res = await scrape(`Bearer ${metricsToken}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const { types, samples } = parse(await res.text());

    for (const [family, type] of [
      ['plenary_http_request_duration_seconds', 'histogram'],
      ['plenary_socket_connected', 'gauge'],
      ['plenary_socket_events_total', 'counter'],
      ['plenary_socket_event_duration_seconds', 'histogram'],
      ['plenary_sessions_live', 'gauge'],
      ['plenary_session_rooms_joined', 'gauge'],
      ['plenary_queue_entries', 'gauge'],
      ['plenary_queue_floor_held', 'gauge'],
      ['plenary_qna_questions', 'gauge'],
      ['plenary_qna_votes', 'gauge'],
      ['plenary_mediasoup_workers', 'gauge'],
      ['plenary_mediasoup_worker_cpu_seconds', 'gauge'],
      ['plenary_mediasoup_routers', 'gauge'],
      ['plenary_mediasoup_transports', 'gauge'],
      ['plenary_mediasoup_producers', 'gauge'],
      ['plenary_mediasoup_consumers', 'gauge'],
      ['plenary_store_operation_duration_seconds', 'histogram'],
      ['nodejs_eventloop_lag_seconds', 'gauge'],
      ['nodejs_eventloop_lag_p99_seconds', 'gauge'],
      ['process_cpu_seconds_total', 'counter'],
    ] as const) {
      expect(types.get(family), family).toBe(type);
    }

    // HTTP: by route pattern, not by raw path.
    const route = { method: 'GET', route: '/api/events/:eventId/programme' };
    expect(value(samples, 'plenary_http_request_duration_seconds_count', { ...route, status: '200' })).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'plenary_http_request_duration_seconds_count', { ...route, status: '404' })).toBe(1);
    expect(samples.some((s) => s.labels.route?.includes('no-such-event'))).toBe(false);
    expect(value(samples, 'plenary_http_request_duration_seconds_count', { route: '/metrics', status: '401' })).toBe(2);

    // Socket.IO.
    expect(value(samples, 'plenary_socket_connected')).toBe(2);
    expect(value(samples, 'plenary_socket_events_total', { event: 'session:join', outcome: 'ok' })).toBe(2);
    expect(value(samples, 'plenary_socket_events_total', { event: 'queue:request', outcome: 'session_not_live' })).toBe(1);
    expect(value(samples, 'plenary_socket_events_total', { event: 'queue:request', outcome: 'ok' })).toBe(1);
    expect(value(samples, 'plenary_socket_events_total', { event: '(unknown)', outcome: 'unknown_event' })).toBe(1);
    expect(value(samples, 'plenary_socket_event_duration_seconds_count', { event: 'qna:ask' })).toBe(1);
    expect(value(samples, 'plenary_session_rooms_joined')).toBe(1);

    // Live sessions, the queue and the questions.
    expect(value(samples, 'plenary_sessions_live', { event: eventId })).toBe(1);
    const live = { event: eventId, session: sessionId };
    expect(value(samples, 'plenary_queue_entries', { ...live, status: 'waiting' })).toBe(1);
    expect(value(samples, 'plenary_queue_floor_held', live)).toBe(0);
    const questions = samples.filter((s) => s.name === 'plenary_qna_questions' && s.labels.session === sessionId).reduce((n, s) => n + s.value, 0);
    expect(questions).toBe(1);

    // mediasoup.
    expect(value(samples, 'plenary_mediasoup_workers')).toBe(1);
    expect(value(samples, 'plenary_mediasoup_routers', { worker: '0' })).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'plenary_mediasoup_worker_cpu_seconds', { worker: '0', mode: 'user' })).toBeGreaterThanOrEqual(0);
    expect(value(samples, 'plenary_mediasoup_transports', { worker: '0', type: 'webrtc' })).toBe(0);

    // The store, and the event loop.
    expect(value(samples, 'plenary_store_operation_duration_seconds_count', { op: 'write', collection: '(batch)', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(value(samples, 'plenary_store_operation_duration_seconds_count', { op: 'get', collection: 'sessions', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });
});
