import { io as connectClient, type Socket } from 'socket.io-client';
import type { Ack, ClientEventName } from '../../server/protocol/events.ts';
import type { Plenary } from '../../server/plenary.ts';
import { getJson, organizerToken } from './server.ts';

export const eventId = 'global-forum-2022';

export interface TestParticipant {
  id: string;
  token: string;
  name: string;
}

let counter = 0;

/** Creates a participant through the organiser API and returns their token. */
export async function createParticipant(
  server: Pick<Plenary, 'url'>,
  fields: Partial<{ name: string; group: string; country: string; gender: string; roles: { sessionId: string; role: string; language?: string }[]; organizer: boolean; headOfState: boolean }> = {},
): Promise<TestParticipant> {
  counter += 1;
  const name = fields.name ?? `Delegate ${counter}`;
  const res = await getJson<Record<string, unknown>>(`${server.url}/api/events/${eventId}/participants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      email: `delegate${counter}.${process.pid}.${Date.now()}@example.org`,
      organization: 'Test Organisation',
      country: fields.country ?? 'CH',
      group: fields.group ?? 'government',
      ...(fields.gender ? { gender: fields.gender } : {}),
      roles: fields.roles ?? [],
      ...(fields.organizer ? { organizer: true } : {}),
      ...(fields.headOfState ? { headOfState: true } : {}),
    }),
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`could not create participant: ${res.status} ${JSON.stringify(res.body)}`);
  const body = res.body as { token?: string; participant?: { id: string; token?: string }; id?: string };
  const token = body.token ?? body.participant?.token;
  const id = body.participant?.id ?? body.id;
  if (!token || !id) throw new Error(`participant response without token/id: ${JSON.stringify(body)}`);
  return { id, token, name };
}

export function connect(url: string, auth: Record<string, string>, options: { reconnection?: boolean } = {}): Promise<Socket> {
  const socket = connectClient(url, { auth, transports: ['websocket'], reconnection: options.reconnection ?? true, reconnectionDelay: 50, reconnectionDelayMax: 200, timeout: 5000 });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Emits and waits for the ack (5 s, or `timeoutMs` where a test loads the machine on purpose). */
export async function emit<T extends object = Record<string, unknown>>(socket: Socket, event: ClientEventName | string, payload?: unknown, timeoutMs = 5000): Promise<Ack<T>> {
  return (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as Ack<T>;
}

/** Emits and fails the test unless the server acked ok. */
export async function ok<T extends object = Record<string, unknown>>(socket: Socket, event: ClientEventName, payload?: unknown, timeoutMs = 5000): Promise<T> {
  const ack = await emit<T>(socket, event, payload, timeoutMs);
  if (!ack.ok) throw new Error(`${event} refused: ${ack.error.code} ${ack.error.message}`);
  return ack as unknown as T;
}

export function nextEvent<T>(socket: Socket, event: string, predicate: (payload: T) => boolean = () => true, timeout = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} within ${timeout} ms`));
    }, timeout);
    const listener = (payload: T) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Collects every message of some events, for asserting what a client saw. */
export function record(socket: Socket, events: string[]): Record<string, unknown[]> {
  const seen: Record<string, unknown[]> = Object.fromEntries(events.map((e) => [e, []]));
  for (const e of events) socket.on(e, (payload: unknown) => seen[e]?.push(payload));
  return seen;
}
