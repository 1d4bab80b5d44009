import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { ParticipantRepository } from '../../server/store/participant-repository.ts';
import { startTestServer } from '../support/server.ts';

const eventId = 'global-forum-2022';
const actor = { kind: 'system' as const, id: null, name: null };

describe('an event always keeps an organiser who can sign in', () => {
  let server: Plenary;
  beforeAll(async () => {
    // No standing PLENARY_ORGANIZER_TOKEN: the participants are the only way in.
    server = await startTestServer({ PLENARY_ORGANIZER_TOKEN: '' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses to demote, reject or revoke the last organiser, and allows it once there is another', async () => {
    const [bootstrap] = await new ParticipantRepository(server.store).listOrganizers(eventId);
    expect(bootstrap).toBeDefined();
    const id = bootstrap!.id;
    await expect(server.participants.update(eventId, id, { organizer: false }, actor)).rejects.toMatchObject({ code: 'conflict' });
    await expect(server.participants.update(eventId, id, { status: 'rejected', reason: 'oops' }, actor)).rejects.toMatchObject({ code: 'conflict' });
    await expect(server.participants.revoke(eventId, id, actor)).rejects.toMatchObject({ code: 'conflict' });

    const second = await server.participants.invite(
      eventId,
      { name: 'Second organiser', email: 'second.organiser@example.org', organization: 'ILO', country: 'CH', group: 'international_organization', organizer: true },
      actor,
    );
    const demoted = await server.participants.update(eventId, id, { organizer: false }, actor);
    expect(demoted.participant.organizer).toBe(false);
    await expect(server.participants.revoke(eventId, second.participant.id, actor)).rejects.toMatchObject({ code: 'conflict' });
  });
});
