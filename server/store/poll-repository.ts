import type { Poll, VoteGroup } from '../domain/polls.ts';
import { writes, type DocumentStore, type Stored, type WriteOp } from './port.ts';

export type PollDoc = Poll;

/**
 * One voter's ballot in one poll, its own document so that a voter's
 * first vote is an insert (two copies of it cannot both land) and a second
 * one a compare-and-set. A secret poll's ballot has no voter id: its id is
 * an HMAC of the voter (services/poll-service.ts), and it is erased when
 * the poll closes.
 */
export interface BallotDoc {
  id: string;
  pollId: string;
  eventId: string;
  sessionId: string;
  choice: string[];
  group: VoteGroup;
  at: string;
  /** Named polls only. */
  participantId?: string;
}

/** Polls and ballots in the store. */
export class PollRepository {
  readonly store: DocumentStore;

  constructor(store: DocumentStore) {
    this.store = store;
  }

  getPoll(pollId: string): Promise<Stored<PollDoc> | null> {
    return this.store.get<PollDoc>('polls', pollId);
  }

  /** A session's polls in the order they were created. */
  listPolls(eventId: string, sessionId: string): Promise<Stored<PollDoc>[]> {
    return this.store.find<PollDoc>('polls', { eventId, sessionId });
  }

  savePollOp(poll: PollDoc, rev: number | undefined): WriteOp {
    return writes.save('polls', poll, rev);
  }

  getBallot(ballotId: string): Promise<Stored<BallotDoc> | null> {
    return this.store.get<BallotDoc>('poll_ballots', ballotId);
  }

  listBallots(pollId: string): Promise<Stored<BallotDoc>[]> {
    return this.store.find<BallotDoc>('poll_ballots', { pollId });
  }

  saveBallotOp(ballot: BallotDoc, rev: number | undefined): WriteOp {
    return writes.save('poll_ballots', ballot, rev);
  }

  removeBallotOp(ballotId: string): WriteOp {
    return writes.remove('poll_ballots', ballotId);
  }
}
