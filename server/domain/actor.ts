/**
 * Who did something, as the audit log names them: a participant, the
 * standing organiser token (PLENARY_ORGANIZER_TOKEN), or the system itself
 * (self-registration, start-up).
 */
export interface Actor {
  kind: 'organizer-token' | 'participant' | 'system';
  id: string | null;
  name: string | null;
}

export const systemActor: Actor = { kind: 'system', id: null, name: null };
