import { isOver, type SessionStatus } from '../domain/session-timing.ts';
import { AppError } from '../errors.ts';

/** Refuses what only an open or upcoming session takes (the floor, questions, votes) once it has ended or was cancelled. */
export function refuseIfOver(status: SessionStatus): void {
  if (isOver(status)) throw new AppError('session_ended', 'This session is over: its floor, questions and running order are closed.');
}
