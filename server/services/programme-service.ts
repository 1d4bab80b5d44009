import { AppError } from '../errors.ts';
import { programmeView, sortByStart, type ForumEvent, type ProgrammeView, type Session } from '../domain/programme.ts';
import type { Stored } from '../store/port.ts';
import type { ProgrammeRepository } from '../store/repositories.ts';

/** Reads of the programme shared by the API, the pages and the calendar feeds. */
export class ProgrammeService {
  readonly repo: ProgrammeRepository;
  private readonly clock: () => Date;

  constructor(repo: ProgrammeRepository, clock: () => Date = () => new Date()) {
    this.repo = repo;
    this.clock = clock;
  }

  now(): Date {
    return this.clock();
  }

  async listEvents(): Promise<Stored<ForumEvent>[]> {
    return this.repo.listEvents();
  }

  async requireEvent(eventId: string): Promise<Stored<ForumEvent>> {
    const event = await this.repo.getEvent(eventId);
    if (!event) throw new AppError('event_not_found', `There is no event "${eventId}".`);
    return event;
  }

  async requireSession(eventId: string, sessionId: string): Promise<Stored<Session>> {
    const session = await this.repo.getSession(eventId, sessionId);
    if (!session) throw new AppError('session_not_found', `Event "${eventId}" has no session "${sessionId}".`);
    return session;
  }

  async sessions(eventId: string): Promise<Stored<Session>[]> {
    return sortByStart(await this.repo.listSessions(eventId));
  }

  async programme(eventId: string, viewerZone: string | undefined): Promise<ProgrammeView> {
    const event = await this.requireEvent(eventId);
    const sessions = await this.sessions(eventId);
    return programmeView(event, sessions, viewerZone ?? event.zone, this.now());
  }
}
