import { describe, expect, it } from 'vitest';
import { checkTransportLimits, mediaLimits, type TransportUse } from './media-limits.ts';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('media transport limits', () => {
  const limits = mediaLimits({ transportsPerSocket: 4, transportsPerParticipant: { audience: 3, staff: 6, automation: 10 }, plainPerParticipant: { audience: 1, staff: 2, automation: 4 }, transportsPerSession: 20, staffReserve: 5 });
  const use = (over: Partial<TransportUse> = {}): TransportUse => ({ socket: 0, participant: 0, participantPlain: 0, session: 0, ...over });

  it('caps a socket, and a participant over all their sockets', () => {
    expect(() => checkTransportLimits(limits, 'audience', 'webrtc', use({ socket: 2, participant: 2 }))).not.toThrow();
    expect(code(() => checkTransportLimits(limits, 'staff', 'webrtc', use({ socket: 4, participant: 4 })))).toBe('media_limit_reached');
    expect(code(() => checkTransportLimits(limits, 'audience', 'webrtc', use({ socket: 0, participant: 3 })))).toBe('media_limit_reached');
    expect(() => checkTransportLimits(limits, 'staff', 'webrtc', use({ socket: 0, participant: 5 }))).not.toThrow();
  });

  it('counts plain transports (a UDP port each) separately', () => {
    expect(code(() => checkTransportLimits(limits, 'staff', 'plain', use({ participant: 2, participantPlain: 2 })))).toBe('media_limit_reached');
    expect(() => checkTransportLimits(limits, 'staff', 'webrtc', use({ participant: 2, participantPlain: 2 }))).not.toThrow();
    expect(() => checkTransportLimits(limits, 'automation', 'plain', use({ participant: 3, participantPlain: 3 }))).not.toThrow();
  });

  it('fills a session with the audience only up to the staff reserve', () => {
    expect(code(() => checkTransportLimits(limits, 'audience', 'webrtc', use({ session: 15 })))).toBe('media_limit_reached');
    expect(() => checkTransportLimits(limits, 'staff', 'webrtc', use({ session: 15 }))).not.toThrow();
    expect(() => checkTransportLimits(limits, 'automation', 'plain', use({ session: 19 }))).not.toThrow();
    expect(code(() => checkTransportLimits(limits, 'staff', 'webrtc', use({ session: 20 })))).toBe('media_limit_reached');
  });

  it('keeps the defaults for what an override leaves out', () => {
    const tuned = mediaLimits({ transportsPerParticipant: { audience: 2, staff: 8, automation: 32 } });
    expect(tuned.transportsPerParticipant.audience).toBe(2);
    expect(tuned.transportsPerSocket).toBe(4);
    expect(tuned.staffReserve).toBeLessThan(tuned.transportsPerSession);
  });
});
