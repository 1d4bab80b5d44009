// The webcast's lower thirds drawn by ffmpeg with the production filters
// (ffmpeg.ts drawTexts: one drawtext per installed face, fed by
// fonts.ts's LowerThirdWriter): Chinese, Arabic and Latin names come out in
// real glyphs. A face without a character draws a box ("tofu"), and every
// tofu box of a face is the same picture, so two different characters
// drawn alike are boxes; a text is checked against a render with the face
// chosen for it (the same) and one with a face that lacks its script (not
// the same).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { drawTexts } from '../../server/media/webcast/ffmpeg.ts';
import { installedFonts, LowerThirdWriter, type FontFace } from '../../server/media/webcast/fonts.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const faces = installedFonts().faces;
const byId = (id: string): FontFace | undefined => faces.find((f) => f.id === id);
const W = 480;
const H = 120;
const size = 40;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenary-fonts-'));
let files = 0;

/** One frame, W×H, of the webcast's background with `chain` applied, as grey levels (one byte a pixel). */
function frame(chain: string): Buffer {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `color=c=0x1d2433:s=${W}x${H}`, '-frames:v', '1', '-vf', chain || 'null', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 16 << 20 });
  if (r.status !== 0 || r.stdout.length !== W * H) throw new Error(`ffmpeg: ${r.stderr.toString()}`);
  return r.stdout;
}

/** A lower third as the encoder draws it: its per-face files written by the writer, read by the drawtext of each of `withFaces`. */
function lowerThird(text: string, withFaces: readonly FontFace[], extra = ''): Buffer {
  const file = path.join(dir, `lt-${(files += 1)}.txt`);
  for (const [f, t] of new LowerThirdWriter(withFaces, () => undefined).files(file, text)) fs.writeFileSync(f, t);
  const chain = drawTexts(file, size, `h-th-${size}`, withFaces).slice(1);
  return frame(extra ? chain.replaceAll(':reload=1', `:reload=1${extra}`) : chain);
}

/** How many pixels differ by more than a few grey levels. */
function differing(a: Buffer, b: Buffer): number {
  let n = 0;
  for (let i = 0; i < a.length; i += 1) if (Math.abs((a[i] ?? 0) - (b[i] ?? 0)) > 8) n += 1;
  return n;
}

/** Pixels a text lights up (the text is white on the dark box). */
const inked = (a: Buffer): number => a.filter((v) => v > 160).length;

describe.skipIf(!hasFfmpeg || !byId('zh') || !byId('arabic') || !byId('latin'))('webcast lower thirds in Chinese, Arabic and Latin script', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const [latin, arabic, zh] = [byId('latin') as FontFace, byId('arabic') as FontFace, byId('zh') as FontFace];

  it('draws a Chinese name with the simplified Chinese face, in glyphs, where DejaVu alone drew boxes', () => {
    const drawn = lowerThird('王芳, China', faces);
    expect(inked(drawn)).toBeGreaterThan(200);
    expect(differing(drawn, lowerThird('王芳, China', [zh]))).toBe(0);
    expect(differing(drawn, lowerThird('王芳, China', [latin]))).toBeGreaterThan(200);
    // Two different characters: different pictures in the chosen face, the same box in DejaVu.
    expect(differing(lowerThird('王', faces), lowerThird('芳', faces))).toBeGreaterThan(100);
    expect(differing(lowerThird('王', [latin]), lowerThird('芳', [latin]))).toBe(0);
  });

  it('draws Han characters in their Chinese forms in a Chinese name and their Japanese forms in a Japanese one (faces of one collection)', () => {
    const ja = byId('ja');
    if (!ja) throw new Error('Noto Sans CJK JP is part of fonts-noto-cjk, as SC is');
    // 骨, 直 and 今 are drawn differently in the simplified Chinese and the Japanese face; the SC face is the third of the
    // collection, which drawtext reaches only through fontconfig: were it given the file, it would draw the first (JP).
    const chinese = lowerThird('骨直今', faces);
    expect(differing(chinese, lowerThird('骨直今', [zh]))).toBe(0);
    expect(differing(chinese, lowerThird('骨直今', [ja]))).toBeGreaterThan(50);
    const japanese = lowerThird('今井 なお', faces);
    expect(differing(japanese, lowerThird('今井 なお', [ja]))).toBe(0);
    expect(differing(japanese, lowerThird('今井 なお', [zh]))).toBeGreaterThan(20);
  });

  it('draws an Arabic name with the Arabic face, shaped (joined letters), where a face without Arabic drew boxes', () => {
    const name = 'أحمد حسن';
    const drawn = lowerThird(name, faces);
    expect(inked(drawn)).toBeGreaterThan(200);
    expect(differing(drawn, lowerThird(name, [arabic]))).toBe(0);
    expect(differing(drawn, lowerThird(name, [zh]))).toBeGreaterThan(200);
    // drawtext's shaping (fribidi) joined the letters: unshaped, the same face draws them apart.
    expect(differing(drawn, lowerThird(name, [arabic], ':text_shaping=0'))).toBeGreaterThan(100);
    expect(differing(lowerThird('ب', faces), lowerThird('ت', faces))).toBeGreaterThan(20);
    expect(differing(lowerThird('ب', [zh]), lowerThird('ت', [zh]))).toBe(0);
  });

  it('draws an Arabic name with a Latin country with DejaVu, which has both, shaped', () => {
    const text = 'أحمد حسن, Egypt';
    const drawn = lowerThird(text, faces);
    expect(differing(drawn, lowerThird(text, [latin]))).toBe(0);
    expect(differing(drawn, lowerThird(text, [latin], ':text_shaping=0'))).toBeGreaterThan(100);
  });

  it('draws a Latin name with DejaVu as before, and nothing at all, not even its box, for an empty lower third', () => {
    const drawn = lowerThird('Kwame Mensah, Ghana', faces);
    expect(inked(drawn)).toBeGreaterThan(200);
    expect(differing(drawn, lowerThird('Kwame Mensah, Ghana', [latin]))).toBe(0);
    expect(differing(lowerThird('', faces), frame(''))).toBe(0);
  });
});
