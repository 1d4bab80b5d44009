import { captionText, type CaptionLine } from '../domain/captions.ts';
import { writes, type DocumentStore, type Stored } from '../store/port.ts';
import type { LiveServiceDeps } from './idempotency.ts';
import { retryOnConflict } from './retry.ts';

export interface CaptionServiceDeps extends LiveServiceDeps {
  store: DocumentStore;
}

interface CaptionMeta {
  id: string;
  eventId: string;
  sessionId: string;
  seq: number;
  /** The last few final lines per language, for the join snapshot (kept in the counter's own write). */
  recent?: CaptionLine[];
}

/** Final lines per language a joining delegate gets (the room shows three). */
export const recentPerLanguage = 3;

function keepRecent(recent: readonly CaptionLine[], line: CaptionLine): CaptionLine[] {
  const next = [...recent, line];
  const sameLanguage = next.filter((l) => l.language === line.language);
  const drop = new Set(sameLanguage.slice(0, Math.max(0, sameLanguage.length - recentPerLanguage)));
  return next.filter((l) => !drop.has(l));
}

type CaptionDoc = CaptionLine & { id: string; eventId: string };

const key = (eventId: string, sessionId: string): string => `${eventId}/${sessionId}`;

/**
 * Caption lines of a session: each takes the session's next sequence
 * number (a counter document, compare-and-set, so two processes never hand
 * out one number twice) and a final line is kept for the transcript in the
 * same atomic write; the counter also keeps the last few final lines per
 * language, so a join's snapshot reads one document for them.
 */
export class CaptionService {
  private readonly deps: CaptionServiceDeps;

  constructor(deps: CaptionServiceDeps) {
    this.deps = deps;
  }

  line(eventId: string, sessionId: string, language: string, text: string, final: boolean, by: string): Promise<CaptionLine> {
    const clean = captionText(text, final);
    return this.deps.lock.run(`captions:${key(eventId, sessionId)}`, () =>
      retryOnConflict(async () => {
        const meta: Stored<CaptionMeta> | null = await this.deps.store.get<CaptionMeta>('caption_meta', key(eventId, sessionId));
        const seq = (meta?.seq ?? 0) + 1;
        const line: CaptionLine = { sessionId, language, text: clean, final, seq, at: this.deps.clock().toISOString(), by };
        await this.deps.live.commit([
          writes.save('caption_meta', { id: key(eventId, sessionId), eventId, sessionId, seq, recent: final ? keepRecent(meta?.recent ?? [], line) : (meta?.recent ?? []) }, meta?.rev),
          ...(final ? [writes.insert('captions', { ...line, id: `${key(eventId, sessionId)}:${seq}`, eventId })] : []),
        ]);
        return line;
      }),
    );
  }

  /** The last final lines of each language, in order: what someone joining the room (or coming back) missed. */
  async recent(eventId: string, sessionId: string): Promise<CaptionLine[]> {
    const meta = await this.deps.store.get<CaptionMeta>('caption_meta', key(eventId, sessionId));
    return [...(meta?.recent ?? [])].sort((a, b) => a.seq - b.seq);
  }

  /** The session's final lines in order, in one language or all. */
  async transcript(eventId: string, sessionId: string, language?: string): Promise<CaptionLine[]> {
    const docs = await this.deps.store.find<CaptionDoc>('captions', language ? { eventId, sessionId, language } : { eventId, sessionId });
    return docs
      .map(({ id: _id, eventId: _e, rev: _rev, ...line }) => line)
      .sort((a, b) => a.seq - b.seq);
  }
}
