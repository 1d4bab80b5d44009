import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { drawtextFont, faceFile, findFonts, hasGlyph, logFonts, LowerThirdWriter, parseCharset, pickFace, textScript, type FacePick, type FcMatch, type FontFace } from './fonts.ts';

// Faces with made-up coverage, shaped like the real ones: Latin with Arabic (DejaVu), Arabic only, and CJK with Latin.
const face = (id: string, charset: string, prefers: FontFace['prefers'], index = 0): FontFace => ({ id, pattern: `${id}:style=Bold`, file: `/fonts/${id}.ttf`, index, ranges: parseCharset(charset), prefers });
const latin = face('latin', '20-7e a0-17f 400-4ff 600-6ff fe70-fefc 2026', ['other']);
const arabic = face('arabic', '20-21 2c-2e 600-6ff fe70-fefc', ['arabic']);
const zh = face('zh', '20-7e 3000-30ff 4e00-9fff ac00-d7a3', ['han'], 2);
const ja = face('ja', '20-7e 3000-30ff 4e00-9fff ac00-d7a3', ['kana'], 0);
const ko = face('ko', '20-7e 3000-30ff 4e00-9fff ac00-d7a3', ['hangul'], 1);
const all = [latin, arabic, zh, ja, ko];

describe('choosing a font for a lower third', () => {
  it('reads fontconfig’s charset notation', () => {
    expect(parseCharset('20-7e a0 600-6ff\n')).toEqual([[0x20, 0x7e], [0xa0, 0xa0], [0x600, 0x6ff]]);
    expect(parseCharset('')).toEqual([]);
  });

  it('tells the script a name is written in, kana and Hangul before Han', () => {
    expect(textScript('Kwame Mensah, Ghana')).toBe('other');
    expect(textScript('Анна Петрова')).toBe('other');
    expect(textScript('王芳, China')).toBe('han');
    expect(textScript('山田 はなこ')).toBe('kana');
    expect(textScript('김민준')).toBe('hangul');
    expect(textScript('أحمد حسن')).toBe('arabic');
  });

  it('draws Latin and Cyrillic with DejaVu, Chinese with the simplified CJK face, Japanese and Korean with theirs', () => {
    expect(pickFace('Kwame Mensah, Ghana', all)).toEqual({ face: latin, uncovered: [] });
    expect(pickFace('Анна Петрова', all).face).toBe(latin);
    expect(pickFace('王芳, China', all)).toEqual({ face: zh, uncovered: [] });
    expect(pickFace('山田 はなこ', all).face).toBe(ja);
    expect(pickFace('김민준, Republic of Korea', all).face).toBe(ko);
  });

  it('draws an Arabic name with the Arabic face, and with a Latin country with the face that has both', () => {
    expect(pickFace('أحمد حسن, الاتحاد العام', all).face).toBe(arabic);
    expect(pickFace('أحمد حسن, Egypt', all)).toEqual({ face: latin, uncovered: [] });
  });

  it('needs the presentation forms drawtext shapes Arabic into, not only the letters', () => {
    const lettersOnly = face('letters', '20-7e 600-6ff', ['arabic']);
    expect(hasGlyph(lettersOnly, 0x0628)).toBe(false);
    expect(hasGlyph(lettersOnly, 0x0660)).toBe(true); // an Arabic-Indic digit is not shaped
    expect(pickFace('بسمة', [lettersOnly, latin]).face).toBe(latin);
  });

  it('falls back to the face missing the fewest characters and says which are missing', () => {
    expect(pickFace('王芳, China', [latin])).toEqual({ face: latin, uncovered: ['王', '芳'] });
    expect(pickFace('王芳 Ωμέγα', [arabic, zh])).toEqual({ face: zh, uncovered: ['Ω', 'μ', 'έ', 'γ', 'α'] });
    expect(pickFace('', all)).toEqual({ face: null, uncovered: [] });
    expect(pickFace('Ana', [])).toEqual({ face: null, uncovered: [] });
  });

  it('writes the text to its face’s file and empties the others, the chosen one last, and reports uncovered text once', () => {
    const reports: [string, FacePick][] = [];
    const writer = new LowerThirdWriter([latin, zh], (text, pick) => reports.push([text, pick]));
    expect(writer.files('/run/slot-0.txt', '王芳, China')).toEqual([
      ['/run/slot-0.latin.txt', ''],
      ['/run/slot-0.zh.txt', '王芳, China'],
    ]);
    expect(writer.files('/run/slot-0.txt', '')).toEqual([
      ['/run/slot-0.latin.txt', ''],
      ['/run/slot-0.zh.txt', ''],
    ]);
    writer.files('/run/item.txt', 'नमन');
    writer.files('/run/item.txt', 'नमन');
    expect(reports).toEqual([['नमन', { face: latin, uncovered: ['न', 'म'] }]]);
    expect(faceFile('/run/sign', zh)).toBe('/run/sign.zh');
  });

  it('gives drawtext a face inside a collection by its fontconfig pattern, others by path', () => {
    expect(drawtextFont(latin)).toBe('/fonts/latin.ttf');
    expect(drawtextFont(zh)).toBe('zh:style=Bold');
  });
});

describe('finding the installed fonts', () => {
  const answer = (family: string, file: string, index = 0): FcMatch => ({ family, file, index, charset: '20-7e' });

  it('keeps the faces fontconfig has and lists the missing ones with their Debian package', () => {
    const fonts = findFonts((pattern) => (pattern.startsWith('DejaVu') ? answer('DejaVu Sans', '/d.ttf') : answer('DejaVu Sans', '/d.ttf')));
    expect(fonts.faces.map((f) => f.id)).toEqual(['latin']);
    expect(fonts.missing).toEqual([
      { id: 'arabic', debianPackage: 'fonts-noto-core' },
      { id: 'zh', debianPackage: 'fonts-noto-cjk' },
      { id: 'ja', debianPackage: 'fonts-noto-cjk' },
      { id: 'ko', debianPackage: 'fonts-noto-cjk' },
    ]);
    expect(fonts.problem).toBeNull();
  });

  it('falls back to DejaVu by its path without fontconfig’s tools, and says so', () => {
    const fonts = findFonts(() => null, (file) => file.includes('DejaVuSans-Bold'));
    expect(fonts.faces).toHaveLength(1);
    expect(fonts.faces[0]).toMatchObject({ id: 'latin', index: 0, ranges: null });
    expect(fonts.problem).toMatch(/fc-match/);
    expect(findFonts(() => null, () => false).faces).toEqual([]);
  });

  it('says at start-up which packages to install for the faces that are missing', () => {
    const lines: { level: string; fields: unknown; message: string }[] = [];
    const logger = {
      warn: (fields: unknown, message: string) => lines.push({ level: 'warn', fields, message }),
      info: (fields: unknown, message: string) => lines.push({ level: 'info', fields, message }),
    } as unknown as Parameters<typeof logFonts>[1];
    logFonts({ faces: [latin], missing: [{ id: 'zh', debianPackage: 'fonts-noto-cjk' }, { id: 'ja', debianPackage: 'fonts-noto-cjk' }], problem: null }, logger);
    logFonts({ faces: [latin], missing: [], problem: 'fc-match (Debian package fontconfig) is not installed' }, logger);
    logFonts({ faces: all, missing: [], problem: null }, logger);
    expect(lines.map((l) => l.level)).toEqual(['warn', 'warn', 'info']);
    expect(lines[0]?.message).toMatch(/apt-get install fonts-noto-cjk\)$/);
    expect(lines[0]?.fields).toEqual({ missing: ['zh', 'ja'], faces: ['latin'] });
    expect(lines[1]?.message).toMatch(/apt-get install fontconfig/);
  });

  const hasFc = spawnSync('fc-match', ['--version'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasFc)('finds the Debian packages’ faces on this machine, the simplified Chinese one inside the CJK collection', () => {
    const fonts = findFonts();
    const zhFace = fonts.faces.find((f) => f.id === 'zh');
    // .ci/run installs fonts-noto-cjk and fonts-noto-core: without them this test says what is missing.
    expect(fonts.missing, 'missing font packages').toEqual([]);
    expect(zhFace?.file).toMatch(/NotoSansCJK-Bold\.ttc$/);
    expect(zhFace?.index).toBeGreaterThan(0);
    expect(pickFace('王芳, China', fonts.faces).face?.id).toBe('zh');
    expect(pickFace('أحمد حسن', fonts.faces).face?.id).toBe('arabic');
    expect(pickFace('أحمد حسن, Egypt', fonts.faces)).toMatchObject({ face: { id: 'latin' }, uncovered: [] });
    expect(pickFace('Анна Петрова, Russian Federation', fonts.faces).face?.id).toBe('latin');
  });
});
