import type { Socket } from 'socket.io-client';
import type { Plenary } from '../../server/plenary.ts';
import type { QuestionMessageBody } from '../../server/protocol/events.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from './realtime.ts';
import { getJson, organizerToken } from './server.ts';

/**
 * A session in full swing, set up over the API and Socket.IO: a running
 * order at its second item, a delegate holding the floor, three waiting,
 * questions approved, voted for, answered and awaiting review. Used by the
 * room's layout and projector tests and by scripts/room-screenshots.ts.
 */
export interface RoomScene {
  moderator: TestParticipant;
  delegate: TestParticipant;
  speakers: TestParticipant[];
  sockets: Socket[];
  /** Entry ids by speaker name. */
  entries: Map<string, string>;
  close(): void;
}

export const sceneItems = [
  { id: 'opening', kind: 'statement', title: 'Opening remarks', speaker: 'ILO Director-General', plannedMs: 300_000 },
  { id: 'hos', kind: 'statement', title: 'Statements by Heads of State and Government', speaker: 'President of the Republic', plannedMs: 600_000 },
  // Translated like the seeded orders: views show it in the page's language.
  { id: 'panel', kind: 'panel', title: 'Interactive panel', plannedMs: 1_800_000, localized: { title: { zh: '互动小组讨论', en: 'Interactive panel' } } },
  { id: 'floor', kind: 'floor', title: 'Open floor', plannedMs: 1_200_000 },
];

export async function setUpRoomScene(server: Pick<Plenary, 'url'>, sessionId: string, options: { floor?: boolean; questions?: boolean } = {}): Promise<RoomScene> {
  const put = await getJson(`${server.url}/api/events/${eventId}/sessions/${sessionId}/running-order`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ items: sceneItems }),
  });
  if (put.status !== 200) throw new Error(`running order: ${put.status} ${JSON.stringify(put.body)}`);
  const moderator = await createParticipant(server, { name: 'Amina Diallo', organizer: true, roles: [{ sessionId, role: 'moderator' }] });
  const delegate = await createParticipant(server, { name: 'Carlos Mendes', group: 'government', country: 'BR' });
  const speakers = [
    await createParticipant(server, { name: 'Sipho Ndlovu', group: 'workers', country: 'ZA' }),
    await createParticipant(server, { name: '王芳', group: 'employers', country: 'CN' }),
    await createParticipant(server, { name: 'Ingrid Larsen', group: 'government', country: 'NO' }),
    await createParticipant(server, { name: 'Fatima Al-Sayed', group: 'workers', country: 'EG' }),
  ];
  const sockets: Socket[] = [];
  const join = async (p: TestParticipant): Promise<Socket> => {
    const socket = await connect(server.url, { token: p.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    return socket;
  };
  const mod = await join(moderator);
  await ok(mod, 'session:open', { sessionId });
  await ok(mod, 'run:advance', { sessionId, itemId: 'opening' });
  await ok(mod, 'run:advance', { sessionId, itemId: 'hos' });
  const entries = new Map<string, string>();
  const speakerSockets: Socket[] = [];
  for (const p of speakers) {
    const socket = await join(p);
    speakerSockets.push(socket);
    const ack = await ok<{ entryId: string }>(socket, 'queue:request', { sessionId });
    entries.set(p.name, ack.entryId);
  }
  if (options.floor !== false) {
    const first = entries.get(speakers[0]!.name);
    if (first) await ok(mod, 'queue:give-floor', { sessionId, entryId: first });
  }
  if (options.questions !== false) {
    const asker = speakerSockets[1]!;
    const voter = speakerSockets[2]!;
    const asked = async (socket: Socket, text: string, anonymous = false): Promise<QuestionMessageBody> =>
      (await ok<{ question: QuestionMessageBody }>(socket, 'qna:ask', { sessionId, text, anonymous })).question;
    const q1 = await asked(asker, 'How will the Global Accelerator reach workers in the informal economy?');
    const q2 = await asked(voter, 'What share of recovery funding goes to universal social protection floors?', true);
    const q3 = await asked(speakerSockets[3]!, 'Can small enterprises take part in the just transition plans?');
    await asked(asker, 'Will the outcome document be available in all six languages?');
    for (const q of [q1, q2, q3]) await ok(mod, 'qna:moderate', { sessionId, questionId: q.id, action: 'approve' });
    await ok(voter, 'qna:vote', { sessionId, questionId: q1.id });
    await ok(speakerSockets[0]!, 'qna:vote', { sessionId, questionId: q1.id });
    await ok(speakerSockets[3]!, 'qna:vote', { sessionId, questionId: q2.id });
    await ok(mod, 'qna:moderate', { sessionId, questionId: q3.id, action: 'answer' });
  }
  return {
    moderator,
    delegate,
    speakers,
    sockets,
    entries,
    close: () => {
      for (const s of sockets) s.close();
    },
  };
}
