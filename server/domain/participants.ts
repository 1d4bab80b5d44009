import type { Language } from './programme.ts';

/** Constituent groups (GB.347/INS/4, para. 25); `other` actors wait for an organiser's approval. */
export type ConstituentGroup = 'government' | 'employers' | 'workers' | 'international_organization' | 'other';
export const constituentGroups: readonly ConstituentGroup[] = ['government', 'employers', 'workers', 'international_organization', 'other'];

export type ParticipantStatus = 'pending' | 'approved' | 'rejected';
export type Gender = 'female' | 'male' | 'non_binary' | 'undisclosed';
export const genders: readonly Gender[] = ['female', 'male', 'non_binary', 'undisclosed'];

/** Access services too: live captions (captioner, per language) and sign-language interpretation (video beside the speaker). */
export type SessionRoleName = 'moderator' | 'panelist' | 'interpreter' | 'captioner' | 'sign_interpreter';
/** Roles that name a language: interpreters and captioners must, sign interpreters may (e.g. "ase", "csl"). */
export const languageRoles: readonly SessionRoleName[] = ['interpreter', 'captioner', 'sign_interpreter'];
export interface SessionRole {
  sessionId: string;
  role: SessionRoleName;
  /** Interpreters publish one language channel, captioners caption one language (BCP 47 tag, e.g. "fr"). */
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
  /** How the participant came in: self-registration, an organiser's invitation, or the first-start organiser. */
  source?: 'registration' | 'invitation' | 'bootstrap';
  /** Last time a browser signed in with an invitation link. */
  signedInAt?: string | null;
  /** When an organiser last revoked the participant's tokens (null once a new invitation is issued). */
  revokedAt?: string | null;
}

/** The four constituent groups take part as of right; anyone else is approved by an organiser. */
export function initialStatus(group: ConstituentGroup): ParticipantStatus {
  return group === 'other' ? 'pending' : 'approved';
}

export function hasSessionRole(p: Participant, sessionId: string, role: SessionRoleName): boolean {
  return p.roles.some((r) => r.sessionId === sessionId && r.role === role);
}

/** The e-mail as compared for duplicates: trimmed and case-folded. */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** One role per (session, role, language); the order of first mention is kept. */
export function normalizeRoles(roles: readonly SessionRole[]): SessionRole[] {
  const seen = new Set<string>();
  const out: SessionRole[] = [];
  for (const r of roles) {
    const role: SessionRole = languageRoles.includes(r.role) && r.language ? { sessionId: r.sessionId, role: r.role, language: r.language } : { sessionId: r.sessionId, role: r.role };
    const key = `${role.sessionId}|${role.role}|${role.language ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(role);
  }
  return out;
}

/** Session ids the participant holds any role in. */
export function sessionsWithRoles(p: Participant): string[] {
  return [...new Set(p.roles.map((r) => r.sessionId))];
}
