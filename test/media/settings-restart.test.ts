import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { Plenary } from '../../server/plenary.ts';
import type { MediaCapabilitiesAck } from '../../server/protocol/media-events.ts';
import { connect, createParticipant, ok, type TestParticipant } from '../support/realtime.ts';
import { tempDir } from '../support/server.ts';
import { startMediaServer } from './support.ts';

const sessionId = 'thematic-1';

describe('the moderator’s media settings', () => {
  const open: (Plenary | Socket)[] = [];
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) {
      if ('close' in x && 'url' in x) await x.close();
      else (x as Socket).close();
    }
  });

  async function caps(server: Plenary, p: TestParticipant): Promise<MediaCapabilitiesAck> {
    const socket = await connect(server.url, { token: p.token });
    open.push(socket);
    await ok(socket, 'session:join', { sessionId });
    return ok<MediaCapabilitiesAck>(socket, 'media:capabilities', { sessionId });
  }

  it('keeps "delegates may use their camera" across a server restart', async () => {
    const dir = tempDir();
    const first = await startMediaServer({ PLENARY_DATA_DIR: dir });
    const moderator = await createParticipant(first, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const delegate = await createParticipant(first, { name: 'Delegate', group: 'workers', country: 'UY' });
    const mod = await connect(first.url, { token: moderator.token });
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    await ok(mod, 'media:capabilities', { sessionId });
    expect((await caps(first, delegate)).settings.delegateVideo).toBe(false);
    await ok(mod, 'media:settings', { sessionId, delegateVideo: true });
    mod.close();
    for (const x of open.splice(0)) (x as Socket).close();
    await first.close();

    const second = await startMediaServer({ PLENARY_DATA_DIR: dir });
    open.push(second);
    expect((await caps(second, delegate)).settings.delegateVideo).toBe(true);
  });
});
