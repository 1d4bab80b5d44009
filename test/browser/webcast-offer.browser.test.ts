// Who the room offers "Watch the webcast" (client/webcast-view.ts): delegates
// off the stage, while the session is live. Interpreters and sign
// interpreters work on the stage over WebRTC, interpreting the floor as it
// is spoken, so the offer is not for them, nor for a delegate who becomes
// one during the session. No media or encoder is needed to see the offer:
// a plain server and one Chromium keep this cheap (playback itself:
// test/media/webcast-view.browser.test.ts).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium, openRoom } from '../support/browser.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer } from '../support/server.ts';

const sessionId = 'thematic-2';

describe.skipIf(!hasChromium)('the webcast offer in the room, by role', () => {
  let server: Plenary;
  let browser: Browser;
  let chair: Socket;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];

  const room = (participant: TestParticipant): Promise<Page> => openRoom(browser, { url: server.url, participant, sessionId, contexts, errors });
  const offered = (page: Page): Promise<boolean> => page.getByTestId('webcast-toggle').isVisible();

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    const moderator = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    chair = await connect(server.url, { token: moderator.token });
    await ok(chair, 'session:join', { sessionId });
    await ok(chair, 'session:open', { sessionId });
  }, 60_000);
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    chair?.close();
    await server?.close();
  });

  it('is offered to a delegate, not to an interpreter or a sign interpreter', async () => {
    const delegate = await room(await createParticipant(server, { name: 'Delegate', group: 'government', country: 'GH' }));
    const interpreter = await room(await createParticipant(server, { name: 'Interprète', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] }));
    const signer = await room(await createParticipant(server, { name: 'Signer', roles: [{ sessionId, role: 'sign_interpreter', language: 'ils' }] }));
    // The room decides the offer as it shows the live room (openRoom waits for that), from the join snapshot.
    expect(await offered(delegate)).toBe(true);
    expect(await offered(interpreter)).toBe(false);
    expect(await offered(signer)).toBe(false);
    expect(errors).toEqual([]);
  });

  it('is withdrawn from a delegate made an interpreter during the session', async () => {
    const person = await createParticipant(server, { name: 'Future Interpreter', group: 'workers' });
    const page = await room(person);
    await expect.poll(() => offered(page)).toBe(true);
    const patched = await getJson(`${server.url}/api/events/${eventId}/participants/${person.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ roles: [{ sessionId, role: 'interpreter', language: 'es' }] }),
    });
    expect(patched.status).toBe(200);
    await expect.poll(() => offered(page)).toBe(false);
    expect(errors).toEqual([]);
  });
});
