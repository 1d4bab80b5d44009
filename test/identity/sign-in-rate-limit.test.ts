import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { invite } from '../support/identity.ts';
import { startTestServer } from '../support/server.ts';

/**
 * A government delegation signs in from behind one NAT address: many valid
 * links from one IP. The sign-in limit exists against guessing tokens, so
 * only links that fail count towards it.
 */
describe('the sign-in limit counts failed links only', () => {
  let server: Plenary;
  const limit = 3;
  beforeAll(async () => {
    server = await startTestServer({}, { rateLimits: { signIn: { limit, windowMs: 60_000 } } });
  });
  afterAll(async () => {
    await server.close();
  });

  const open = async (link: string): Promise<number> => (await fetch(link, { redirect: 'manual', headers: { accept: 'text/html' } })).status;

  it('lets a whole delegation behind one address sign in, far beyond the limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < limit * 4; i++) statuses.push(await open((await invite(server, { name: `Delegate ${i}` })).link));
    expect(statuses).toEqual(Array(limit * 4).fill(303));
  });

  it('still refuses the address once its failed links reach the limit, valid ones included', async () => {
    const valid = await invite(server, { name: 'After the guesses' });
    const statuses: number[] = [];
    for (let i = 0; i < limit + 1; i++) statuses.push(await open(`${server.url}/i/${String(i).repeat(43).slice(0, 43)}`));
    expect(statuses).toEqual([...Array(limit).fill(401), 429]);
    // Guessing must not go on by alternating with a valid link.
    expect(await open(valid.link)).toBe(429);
  });
});
