import { Router, type Response } from 'express';
import { eventSettings, type ManagedEvent } from '../domain/events.ts';
import type { ErrorRequestHandler } from 'express';
import { AppError, toErrorBody } from '../errors.ts';
import { toAppError } from './error-handler.ts';
import { authorize } from '../identity/policy.ts';
import type { WebcastSupervisor } from '../media/webcast/supervisor.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { callerOf } from './caller.ts';
import { parseId } from './validate.ts';

/**
 * The webcast (issue 12): `GET /webcast/:eventId/:sessionId/index.m3u8` and
 * the media playlists and segments beside it, for signed-in participants of
 * the event (cookie or bearer), or anyone when the event's webcast is
 * public. Playlists may be cached a second, segments for a day (their names
 * never repeat), `public` only for public webcasts, so nginx or a CDN in
 * front can serve the audience. Organisers list and download the
 * recordings (`…/recordings`, the file with HTTP ranges).
 */
export function webcastRoutes(programme: ProgrammeService, current: () => WebcastSupervisor | null): Router {
  const router = Router();
  const supervisor = (): WebcastSupervisor => {
    const webcast = current();
    if (!webcast?.available) throw new AppError('webcast_unavailable', 'The webcast encoder (ffmpeg) is not available on this server.');
    return webcast;
  };

  const access = async (eventId: string, sessionId: string, caller: ReturnType<typeof callerOf>): Promise<boolean> => {
    const event = (await programme.requireEvent(eventId)) as ManagedEvent;
    await programme.requireSession(eventId, sessionId);
    const isPublic = eventSettings(event).webcast.public;
    if (!isPublic) authorize(caller, 'event.attend', { eventId, sessionId });
    return isPublic;
  };

  const headers = (res: Response, isPublic: boolean, playlist: boolean): void => {
    const scope = isPublic ? 'public' : 'private';
    res.set('cache-control', playlist ? `${scope}, max-age=1` : `${scope}, max-age=86400, immutable`);
    if (!isPublic) res.vary('Cookie').vary('Authorization');
  };

  const send = (res: Response, file: string, isPublic: boolean, playlist: boolean): void => {
    headers(res, isPublic, playlist);
    res.type(playlist ? 'application/vnd.apple.mpegurl' : file.endsWith('.vtt') ? 'text/vtt; charset=utf-8' : 'video/mp2t');
    res.sendFile(file, { cacheControl: false, dotfiles: 'deny' });
  };

  router.get('/webcast/:eventId/:sessionId/index.m3u8', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    const isPublic = await access(eventId, sessionId, callerOf(req));
    send(res, supervisor().playlist(eventId, sessionId), isPublic, true);
  });

  router.get('/webcast/:eventId/:sessionId/:file', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    const isPublic = await access(eventId, sessionId, callerOf(req));
    const name = String(req.params.file);
    if (name.endsWith('.m3u8')) {
      // Media playlists are renumbered as served (one discontinuity sequence for every rendition: media/webcast/playlists.ts).
      const text = supervisor().mediaPlaylist(eventId, sessionId, name);
      headers(res, isPublic, true);
      res.type('application/vnd.apple.mpegurl').send(text);
      return;
    }
    send(res, supervisor().file(eventId, sessionId, name), isPublic, false);
  });

  router.get('/api/events/:eventId/sessions/:sessionId/recordings', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    authorize(callerOf(req), 'event.manage', { eventId, sessionId });
    await programme.requireSession(eventId, sessionId);
    const webcast = current();
    const recordings = webcast?.available ? webcast.recordings(eventId, sessionId) : [];
    res.set('cache-control', 'private, no-store');
    res.json({
      recordings: recordings.map((r) => ({
        id: r.id,
        url: r.status === 'ready' ? `/api/events/${eventId}/sessions/${sessionId}/recordings/${r.id}/file` : null,
        chaptersUrl: r.status === 'ready' ? `/api/events/${eventId}/sessions/${sessionId}/recordings/${r.id}/chapters.vtt` : null,
        status: r.status,
        startedAt: r.startedAt,
        endedAt: r.endedAt,
        durationMs: r.durationMs,
        tracks: r.tracks,
        chapters: r.chapters,
      })),
    });
  });

  router.get('/api/events/:eventId/sessions/:sessionId/recordings/:recordingId/:file', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    const recordingId = parseId(req.params.recordingId, 'recordingId');
    authorize(callerOf(req), 'event.manage', { eventId, sessionId });
    await programme.requireSession(eventId, sessionId);
    const file = supervisor().recordingFile(eventId, sessionId, recordingId);
    res.set('cache-control', 'private, no-store');
    if (req.params.file === 'chapters.vtt') {
      res.type('text/vtt; charset=utf-8');
      res.sendFile(file.replace(/\.mkv$/, '.chapters.vtt'), { cacheControl: false });
      return;
    }
    if (req.params.file !== 'file') throw new AppError('not_found', 'No such recording file.');
    res.type('video/x-matroska').attachment(`${eventId}-${sessionId}-${recordingId}.mkv`);
    res.sendFile(file, { cacheControl: false, acceptRanges: true });
  });

  // Players ask with Accept: */*: webcast refusals are JSON, as the API's are (not the HTML error page).
  router.use('/webcast', ((error, _req, res, next) => {
    const appError = toAppError(error);
    if (appError.status >= 500 || res.headersSent) {
      next(error);
      return;
    }
    res.status(appError.status).set('cache-control', 'no-store').json({ error: toErrorBody(appError) });
  }) as ErrorRequestHandler);

  return router;
}
