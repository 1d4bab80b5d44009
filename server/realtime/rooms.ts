/** Room names: everyone in a session, its moderators, and one participant within it. */
export const sessionRoom = (eventId: string, sessionId: string): string => `s:${eventId}/${sessionId}`;
export const moderatorRoom = (eventId: string, sessionId: string): string => `s:${eventId}/${sessionId}:mod`;
export const participantRoom = (eventId: string, sessionId: string, participantId: string): string =>
  `s:${eventId}/${sessionId}:p:${participantId}`;
