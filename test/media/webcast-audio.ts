// Reading a webcast's audio as a player does, to tell who is heard:
// ffmpeg decodes the newest second of a rendition to PCM and Goertzel's
// algorithm measures the power of the frequencies asked for (each test
// speaker sends a tone of their own).
import { spawn } from 'node:child_process';

/** The power of one frequency in PCM samples (Goertzel's algorithm). */
export function goertzel(samples: Float64Array, rate: number, freq: number): number {
  const k = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / samples.length;
}

/** The newest second of an audio rendition, decoded as a player would (mono, 8 kHz), and the power of each frequency asked for. */
export async function tonesIn(url: string, headers: string, freqs: number[]): Promise<Record<number, number>> {
  const pcm = await new Promise<Buffer>((resolve, reject) => {
    const child = spawn('ffmpeg', ['-v', 'error', '-headers', headers, '-live_start_index', '-1', '-i', url, '-t', '1', '-ac', '1', '-ar', '8000', '-f', 's16le', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new Error(`could not decode ${url}`));
    });
  });
  const samples = new Float64Array(Math.floor(pcm.length / 2));
  for (let i = 0; i < samples.length; i += 1) samples[i] = pcm.readInt16LE(i * 2) / 32768;
  return Object.fromEntries(freqs.map((f) => [f, goertzel(samples, 8000, f)]));
}

/** Whether a tone stands out in a rendition's newest second: a hundred times the power of a frequency nobody sends. */
export async function heardIn(url: string, headers: string, freq: number, silent = 1000): Promise<boolean> {
  const t = await tonesIn(url, headers, [freq, silent]).catch(() => null);
  return t !== null && (t[freq] ?? 0) > 100 * (t[silent] ?? 0);
}
