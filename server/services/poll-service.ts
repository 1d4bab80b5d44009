import crypto from 'node:crypto';
import type { Actor } from '../domain/actor.ts';
import { AppError } from '../errors.ts';
import {
  castVote, closePoll, createPoll, openPoll, pollVisibleTo, resultsOf, viewOfPoll,
  type Poll, type PollDraftInput, type Voter,
} from '../domain/polls.ts';
import type { PollsSnapshot } from '../protocol/events.ts';
import type { BallotDoc, PollRepository } from '../store/poll-repository.ts';
import { withoutRev, writes, type Stored, type WriteOp } from '../store/port.ts';
import type { AuditLog } from './audit-log.ts';
import type { LiveServiceDeps } from './idempotency.ts';
import { retryOnConflict } from './retry.ts';

export interface PollServiceDeps extends LiveServiceDeps {
  polls: PollRepository;
  audit: AuditLog;
  /** The server's secret for secret ballots' ids (kept in the store's secrets, never sent anywhere). */
  ballotSecret: string;
}

export interface VoteOutcome {
  poll: Poll;
  choice: string[];
  /** This ballot replaced the voter's earlier one (counted once, with the new choice). */
  replaced: boolean;
  replayed: boolean;
}

/**
 * Polls of a session in the store, built like the Q&A: per-session order
 * in this process (KeyedLock), compare-and-set across processes
 * (retryOnConflict), and each change one atomic store write with its
 * idempotency record and, for moderators' actions, its audit entry.
 *
 * A vote is one write of three documents: the voter's ballot (an insert
 * for a first vote, so two copies of it, even on two processes, cannot
 * both land; a compare-and-set for a replacement), the poll with its tally
 * (compare-and-set: every ballot is in the tally exactly once, and a vote
 * racing the close on another process conflicts, re-reads, and is refused
 * as closed, so an acknowledged vote is always counted), and the
 * idempotency record. The tally is kept in the poll rather than summed from
 * ballots so that results, versions and the close are exact without
 * reading every ballot; its compare-and-set is contended by at most one
 * writer per process, since votes of one session queue behind each other
 * in each process.
 *
 * Secret ballots: a secret poll's ballot is stored without the voter: its
 * id is HMAC-SHA256(server secret, pollId:participantId), which lets the
 * server find a voter's own ballot again (to replace it, or to show them
 * their choice) and nothing else. No view, snapshot, broadcast, audit entry
 * or CSV carries a secret poll's voters; the tally holds counts only. When
 * the poll closes its ballots are erased in the same write that freezes the
 * results, so afterwards not even someone holding the database and the
 * secret can link a delegate to a choice. (While it is open, such a person,
 * and nobody else, could; moderators and organisers see counts only.)
 * Votes themselves are not audited for that reason; creating, opening,
 * closing (with the results) and exporting are.
 */
export class PollService {
  private readonly deps: PollServiceDeps;

  constructor(deps: PollServiceDeps) {
    this.deps = deps;
  }

  private serial<T>(eventId: string, sessionId: string, task: () => Promise<T>): Promise<T> {
    return this.deps.lock.run(`poll:${eventId}/${sessionId}`, () => retryOnConflict(task));
  }

  private ballotId(poll: Pick<Poll, 'id' | 'secret'>, participantId: string): string {
    if (!poll.secret) return `${poll.id}:${participantId}`;
    const mac = crypto.createHmac('sha256', this.deps.ballotSecret).update(`${poll.id}:${participantId}`).digest('base64url');
    return `${poll.id}:${mac}`;
  }

  private audit(poll: Poll, actor: Actor, action: string, before: unknown, after: unknown): WriteOp {
    return writes.insert('audit', this.deps.audit.entry(poll.eventId, actor, action, { type: 'poll', id: `${poll.sessionId}/${poll.id}` }, before, after));
  }

  async create(
    eventId: string,
    sessionId: string,
    actor: Actor,
    input: PollDraftInput,
    idempotencyKey: string | undefined,
  ): Promise<{ poll: Poll; replayed: boolean }> {
    const key = idempotencyKey && `poll-create:${idempotencyKey}`;
    const owner = actor.id ?? 'organiser';
    const outcome = await this.serial(eventId, sessionId, async () => {
      const seen = await this.deps.idempotency.seen<string>(owner, key);
      if (seen) return { id: seen.result, replayed: true };
      const poll = createPoll(input, {
        id: crypto.randomBytes(9).toString('base64url'),
        eventId,
        sessionId,
        createdBy: { id: actor.id, name: actor.name ?? 'organiser' },
        now: this.deps.clock(),
      });
      await this.deps.live.commit([
        this.deps.polls.savePollOp(poll, undefined),
        this.audit(poll, actor, 'poll.create', null, describe(poll)),
        ...this.deps.idempotency.seal(owner, key, poll.id),
      ]);
      return { id: poll.id, replayed: false };
    });
    return { poll: await this.require(eventId, sessionId, outcome.id), replayed: outcome.replayed };
  }

  /** Opens a draft; opening an open poll again changes nothing. */
  open(eventId: string, sessionId: string, pollId: string, actor: Actor): Promise<{ poll: Poll; changed: boolean }> {
    return this.serial(eventId, sessionId, async () => {
      const stored = await this.requireStored(eventId, sessionId, pollId);
      const current = withoutRev(stored);
      const poll = openPoll(current, this.deps.clock());
      if (poll === current) return { poll, changed: false };
      await this.deps.live.commit([this.deps.polls.savePollOp(poll, stored.rev), this.audit(poll, actor, 'poll.open', { status: current.status }, { status: poll.status })]);
      return { poll, changed: true };
    });
  }

  /**
   * Closes an open poll and freezes its results; `present` counts the
   * delegates entitled to vote in it who are present now (quorum rule).
   * Closing a closed poll changes nothing.
   */
  close(
    eventId: string,
    sessionId: string,
    pollId: string,
    actor: Actor,
    present: (poll: Poll) => Promise<number>,
  ): Promise<{ poll: Poll; changed: boolean }> {
    return this.serial(eventId, sessionId, async () => {
      const stored = await this.requireStored(eventId, sessionId, pollId);
      const current = withoutRev(stored);
      if (current.status === 'closed') return { poll: current, changed: false };
      const poll = closePoll(current, current.status === 'open' ? await present(current) : 0, this.deps.clock());
      // A secret poll's ballots go with the close: the frozen tally is all that remains.
      const erase = poll.secret ? (await this.deps.polls.listBallots(poll.id)).map((b) => this.deps.polls.removeBallotOp(b.id)) : [];
      const results = resultsOf(poll);
      await this.deps.live.commit([
        this.deps.polls.savePollOp(poll, stored.rev),
        ...erase,
        this.audit(poll, actor, 'poll.close', { status: current.status }, { status: poll.status, results: { total: results.total, byChoice: results.byChoice, quorum: results.quorum, valid: results.valid } }),
      ]);
      return { poll, changed: true };
    });
  }

  vote(
    eventId: string,
    sessionId: string,
    pollId: string,
    voter: Voter,
    choice: string | readonly string[],
    idempotencyKey: string | undefined,
  ): Promise<VoteOutcome> {
    const key = idempotencyKey && `poll-vote:${idempotencyKey}`;
    return this.serial(eventId, sessionId, async () => {
      const seen = await this.deps.idempotency.seen<{ choice: string[]; replaced: boolean }>(voter.participantId, key);
      const stored = await this.requireStored(eventId, sessionId, pollId);
      const current = withoutRev(stored);
      if (seen) return { poll: current, ...seen.result, replayed: true };
      const ballotId = this.ballotId(current, voter.participantId);
      const ballot = await this.deps.polls.getBallot(ballotId);
      const now = this.deps.clock();
      const cast = castVote(current, voter, choice, ballot ? { choice: ballot.choice, group: ballot.group } : null, now);
      const doc: BallotDoc = {
        id: ballotId,
        pollId,
        eventId,
        sessionId,
        choice: cast.choice,
        group: voter.group,
        at: now.toISOString(),
        ...(current.secret ? {} : { participantId: voter.participantId }),
      };
      await this.deps.live.commit([
        this.deps.polls.savePollOp(cast.poll, stored.rev),
        this.deps.polls.saveBallotOp(doc, ballot?.rev),
        ...this.deps.idempotency.seal(voter.participantId, key, { choice: cast.choice, replaced: cast.replaced }),
      ]);
      return { poll: cast.poll, choice: cast.choice, replaced: cast.replaced, replayed: false };
    });
  }

  async snapshot(eventId: string, sessionId: string, viewer: { participantId: string | null; moderator: boolean }): Promise<PollsSnapshot> {
    return this.snapshotFor(await this.list(eventId, sessionId), viewer);
  }

  /** One viewer's snapshot of the session's polls as listed (a rush of joins lists them once: realtime/membership.ts); reads only a secret open poll's ballot. */
  async snapshotFor(all: readonly Poll[], viewer: { participantId: string | null; moderator: boolean }): Promise<PollsSnapshot> {
    const polls = all.filter((p) => pollVisibleTo(p, viewer.moderator));
    const myChoices: Record<string, string[]> = {};
    const me = viewer.participantId;
    if (me) {
      for (const poll of polls) {
        if (poll.status === 'draft') continue;
        const ballot = poll.secret ? (poll.status === 'open' ? await this.deps.polls.getBallot(this.ballotId(poll, me)) : null) : poll.roll.find((r) => r.participantId === me);
        if (ballot) myChoices[poll.id] = ballot.choice;
      }
    }
    return { polls: polls.map(viewOfPoll), myChoices };
  }

  async list(eventId: string, sessionId: string): Promise<Poll[]> {
    return (await this.deps.polls.listPolls(eventId, sessionId)).map((p) => withoutRev(p));
  }

  async require(eventId: string, sessionId: string, pollId: string): Promise<Poll> {
    return withoutRev(await this.requireStored(eventId, sessionId, pollId));
  }

  /** Records an export of a poll's results in the audit log. */
  async auditExport(poll: Poll, actor: Actor, format: string): Promise<void> {
    await this.deps.live.commit([this.audit(poll, actor, 'poll.export', null, { format, status: poll.status })]);
  }

  private async requireStored(eventId: string, sessionId: string, pollId: string): Promise<Stored<Poll>> {
    const poll = await this.deps.polls.getPoll(pollId);
    if (!poll || poll.eventId !== eventId || poll.sessionId !== sessionId) throw new AppError('poll_not_found', 'There is no such poll in this session.');
    return poll;
  }
}

/** What the audit log keeps of a new poll (no ballots). */
function describe(poll: Poll): Record<string, unknown> {
  return {
    question: poll.question,
    kind: poll.kind,
    options: poll.options.map((o) => o.label),
    secret: poll.secret,
    quorum: poll.quorum,
    liveResults: poll.liveResults,
    eligibleGroups: poll.eligibleGroups,
  };
}
