import { AppError } from '../errors.ts';
import type { Participant } from '../domain/participants.ts';
import { hashSecret, looksLikeSecret, newSecret } from '../identity/tokens.ts';
import type { ParticipantRepository } from '../store/participant-repository.ts';
import { withoutRev } from '../store/port.ts';
import type { ProgrammeService } from './programme-service.ts';

export interface AgendaServiceOptions {
  repo: ParticipantRepository;
  programme: ProgrammeService;
  /** The public base URL, for feed addresses (read when one is made: the port is known only after listen). */
  baseUrl: () => string;
  clock?: () => Date;
}

/**
 * A participant's personal agenda: the sessions they star, and the secret
 * address of their agenda feed (a calendar token, not a sign-in token).
 */
export class AgendaService {
  private readonly repo: ParticipantRepository;
  private readonly programme: ProgrammeService;
  private readonly baseUrl: () => string;
  private readonly clock: () => Date;

  constructor(options: AgendaServiceOptions) {
    this.repo = options.repo;
    this.programme = options.programme;
    this.baseUrl = options.baseUrl;
    this.clock = options.clock ?? (() => new Date());
  }

  /** The public base URL, without a trailing slash. */
  get publicUrl(): string {
    return this.baseUrl();
  }

  async setBookmark(participant: Participant, sessionId: string, on: boolean): Promise<Participant> {
    await this.programme.requireSession(participant.eventId, sessionId);
    const result = await this.repo.mutate(participant.id, (p) => {
      const has = p.bookmarks.includes(sessionId);
      if (has === on) return null;
      // updatedAt moves so the agenda feed's Last-Modified follows the stars.
      const bookmarks = on ? [...p.bookmarks, sessionId] : p.bookmarks.filter((b) => b !== sessionId);
      return { ...p, bookmarks, updatedAt: this.clock().toISOString() };
    });
    if (!result) throw new AppError('participant_not_found', 'You are no longer registered.');
    return withoutRev(result.after);
  }

  /** A new agenda feed token (the previous feed URL stops working). */
  async resetCalendarToken(participant: Participant): Promise<string> {
    const token = newSecret();
    await this.repo.replaceCalendarToken({
      id: hashSecret(token),
      participantId: participant.id,
      eventId: participant.eventId,
      createdAt: this.clock().toISOString(),
    });
    return token;
  }

  /** The participant has an agenda feed address (its token is shown only when made). */
  hasCalendarToken(participantId: string): Promise<boolean> {
    return this.repo.hasCalendarToken(participantId);
  }

  async participantForCalendarToken(token: string): Promise<Participant | null> {
    if (!looksLikeSecret(token)) return null;
    const entry = await this.repo.getCalendarToken(hashSecret(token));
    if (!entry) return null;
    const participant = await this.repo.get(entry.participantId);
    return participant ? withoutRev(participant) : null;
  }
}
