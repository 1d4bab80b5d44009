// What the webcast tests share: ffmpeg sending real media over RTP to a
// Node media client's plain transport (test/media/support.ts produceRtp),
// and reading a subtitle rendition as a player does (its media playlist,
// then its WebVTT segments).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { waitFor } from '../support/server.ts';

export const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0 && spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status === 0;

export interface RtpTarget {
  port: number;
  pt: number;
  ssrc: number;
}

/** ffmpeg sending a test picture (VP8) and/or a tone (Opus) over RTP, in real time; the caller kills it. */
export function sendRtp(video: RtpTarget | null, audio: RtpTarget & { freq: number }): ChildProcess {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  if (video) args.push('-re', '-f', 'lavfi', '-i', 'testsrc=s=320x180:r=15');
  args.push('-re', '-f', 'lavfi', '-i', `sine=f=${audio.freq}:r=48000`);
  if (video) args.push('-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '200k', '-g', '15', '-ssrc', String(video.ssrc), '-payload_type', String(video.pt), '-f', 'rtp', `rtp://127.0.0.1:${video.port}`);
  args.push('-map', `${video ? 1 : 0}:a`, '-c:a', 'libopus', '-ac', '2', '-b:a', '32k', '-ssrc', String(audio.ssrc), '-payload_type', String(audio.pt), '-f', 'rtp', `rtp://127.0.0.1:${audio.port}`);
  return spawn('ffmpeg', args, { stdio: 'ignore' });
}

/**
 * Reads a subtitle rendition (`subs-xx.m3u8`) as a player does until one of
 * its WebVTT segments carries `text`: that segment, its content type and the
 * playlist that listed it. Times out (throws) if no segment ever does.
 */
export async function subtitleCue(subs: string, token: string, text: string, timeout = 20_000): Promise<{ vtt: string; type: string | null; playlist: string }> {
  const headers = { authorization: `Bearer ${token}` };
  return waitFor(
    async () => {
      const playlist = await (await fetch(subs, { headers })).text();
      for (const name of playlist.split('\n').filter((l) => l.endsWith('.vtt'))) {
        const res = await fetch(new URL(name, subs), { headers });
        const vtt = await res.text();
        if (vtt.includes(text)) return { vtt, type: res.headers.get('content-type'), playlist };
      }
      return null;
    },
    { timeout, interval: 500 },
  );
}
