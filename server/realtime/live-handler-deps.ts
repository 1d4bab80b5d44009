import type { Logger } from '../logger.ts';
import type { Participant } from '../domain/participants.ts';
import type { BoothService } from '../services/booth-service.ts';
import type { CaptionService } from '../services/caption-service.ts';
import type { FloorService } from '../services/floor-service.ts';
import type { ProgrammeEditor } from '../services/programme-editor.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import type { PollService } from '../services/poll-service.ts';
import type { QnaService } from '../services/qna-service.ts';
import type { RunningOrderService } from '../services/running-order-service.ts';
import type { LiveBroadcast } from './broadcast.ts';
import type { Membership } from './membership.ts';
import type { SocketRateLimiter } from './rate-limit.ts';

/** What the session, queue and Q&A handlers share. */
export interface LiveHandlerDeps {
  logger: Logger;
  limiter: SocketRateLimiter;
  programme: ProgrammeService;
  editor: ProgrammeEditor;
  floor: FloorService;
  qna: QnaService;
  polls: PollService;
  booths: BoothService;
  captions: CaptionService;
  running: RunningOrderService;
  broadcast: LiveBroadcast;
  membership: Membership;
  findParticipant: (participantId: string) => Promise<Participant | null>;
  /** Approved participants of an event, for a moderator adding someone to the queue. */
  listParticipants: (eventId: string) => Promise<Participant[]>;
}
