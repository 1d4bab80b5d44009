/**
 * The webcast's media playlists as served: ffmpeg 5.1 (append_list +
 * discont_start) starts a playlist with two EXT-X-DISCONTINUITY tags, one in
 * the header and one before the first segment, and drops a run's tag when
 * its segments slide out of the window without writing the
 * EXT-X-DISCONTINUITY-SEQUENCE that RFC 8216 (6.2.2) then requires: a player
 * reloading the playlist would count its segments' discontinuities
 * differently from one that had loaded it before. Subtitle playlists mirror
 * the video's (subtitles.ts), tags included.
 *
 * Served, every media playlist is renumbered on one rule shared by all
 * renditions: a segment's discontinuity sequence number is the number of
 * encoder runs started before it (by its program date-time against the
 * runs' start times in the manifest; a run's segments all begin before the
 * next run starts, since a run is stopped before the next is started, on
 * any process). The playlist then says EXT-X-DISCONTINUITY-SEQUENCE for its
 * first segment and as many EXT-X-DISCONTINUITY tags before a segment as
 * runs began since the segment before it (more than one when a rendition,
 * such as a language, was absent from the runs between), so the video, the
 * languages and the captions agree on every segment's number.
 *
 * A segment whose name says its run (`…-r<run>-<n>.ts`: video and audio)
 * is numbered by that run, not by its date-time: ffmpeg 5.1 appending to a
 * playlist (append_list) writes the earlier runs' segments again with
 * date-times counted from its own start, so after a takeover an older
 * run's segments can carry date-times later than the new run's start, in
 * one rendition and not yet in another (seen in CI). Subtitle segments
 * (no run in their names) are numbered by their date-times.
 *
 * `runIds[i]` is the run that started at `runStarts[i]` (the manifest's
 * run numbers; by default 1, 2, 3… in order of start).
 */
export function renumberDiscontinuities(playlist: string, runStarts: readonly number[], runIds?: readonly number[]): string {
  // No run known (no manifest): nothing to number by; served as written.
  if (runStarts.length === 0) return playlist;
  const runs = runStarts.map((start, i) => ({ start, id: runIds?.[i] ?? i + 1 })).sort((a, b) => a.start - b.start);
  const starts = runs.map((r) => r.start);
  const ordinal = new Map(runs.map((r, i) => [r.id, i]));
  const runsBefore = (at: number): number => {
    let n = 0;
    for (const s of starts) if (s <= at) n += 1;
    return Math.max(0, n - 1);
  };
  const runOfName = (name: string): number | undefined => {
    const m = /-r(\d+)-\d+\.ts$/.exec(name);
    return m ? ordinal.get(Number(m[1])) : undefined;
  };
  const lines = playlist.split('\n').map((l) => l.trimEnd());
  const header: string[] = [];
  const segments: { lines: string[]; at: number; run: number | undefined }[] = [];
  let pending: string[] = [];
  let pendingAt = Number.NaN;
  let inSegments = false;
  for (const line of lines) {
    if (line === '') continue;
    if (line === '#EXT-X-DISCONTINUITY' || line.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE:')) continue;
    const segmentTag = line.startsWith('#EXTINF:') || line.startsWith('#EXT-X-PROGRAM-DATE-TIME:') || line.startsWith('#EXT-X-BYTERANGE:');
    if (!inSegments && !segmentTag && line.startsWith('#')) {
      header.push(line);
      continue;
    }
    inSegments = true;
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pendingAt = Date.parse(line.slice('#EXT-X-PROGRAM-DATE-TIME:'.length));
    pending.push(line);
    if (!line.startsWith('#')) {
      segments.push({ lines: pending, at: pendingAt, run: runOfName(line) });
      pending = [];
      pendingAt = Number.NaN;
    }
  }
  // Segments without a date-time (none from ffmpeg here) keep the number of the one before.
  let previous: number | null = null;
  const numbers = segments.map((s) => {
    const n = s.run ?? (Number.isFinite(s.at) ? runsBefore(s.at) : (previous ?? 0));
    previous = Math.max(n, previous ?? 0);
    return previous;
  });
  const out: string[] = [];
  const sequenceLine = `#EXT-X-DISCONTINUITY-SEQUENCE:${numbers[0] ?? 0}`;
  const mediaSequence = header.findIndex((l) => l.startsWith('#EXT-X-MEDIA-SEQUENCE:'));
  if (mediaSequence >= 0) header.splice(mediaSequence + 1, 0, sequenceLine);
  else header.push(sequenceLine);
  out.push(...header);
  segments.forEach((s, i) => {
    const gap = i === 0 ? 0 : (numbers[i] ?? 0) - (numbers[i - 1] ?? 0);
    for (let k = 0; k < gap; k += 1) out.push('#EXT-X-DISCONTINUITY');
    out.push(...s.lines);
  });
  out.push(...pending);
  return `${out.join('\n')}\n`;
}
