import type { Language } from './programme.ts';

/** Constituent groups (GB.347/INS/4, para. 25); `other` actors wait for an organiser's approval. */
export type ConstituentGroup = 'government' | 'employers' | 'workers' | 'international_organization' | 'other';
export const constituentGroups: readonly ConstituentGroup[] = ['government', 'employers', 'workers', 'international_organization', 'other'];

export type ParticipantStatus = 'pending' | 'approved' | 'rejected';
export type Gender = 'female' | 'male' | 'non_binary' | 'undisclosed';
export const genders: readonly Gender[] = ['female', 'male', 'non_binary', 'undisclosed'];

export type SessionRoleName = 'moderator' | 'panelist' | 'interpreter';
export interface SessionRole {
  sessionId: string;
  role: SessionRoleName;
  /** Interpreters publish one language channel (BCP 47 tag, e.g. "fr"). */
  language?: string;
}

export interface Participant {
  id: string;
  eventId: string;
  name: string;
  email: string;
  organization: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
  group: ConstituentGroup;
  gender: Gender | null;
  language: Language;
  timeZone: string | null;
  status: ParticipantStatus;
  statusReason: string | null;
  /** Event-wide organiser. */
  organizer: boolean;
  /** A visiting Head of State or Government may speak beyond the tripartite quota. */
  headOfState: boolean;
  roles: SessionRole[];
  bookmarks: string[];
  createdAt: string;
  updatedAt: string;
}

/** The four constituent groups take part as of right; anyone else is approved by an organiser. */
export function initialStatus(group: ConstituentGroup): ParticipantStatus {
  return group === 'other' ? 'pending' : 'approved';
}

export function hasSessionRole(p: Participant, sessionId: string, role: SessionRoleName): boolean {
  return p.roles.some((r) => r.sessionId === sessionId && r.role === role);
}
