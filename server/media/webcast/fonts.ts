// Fonts for the webcast's lower thirds. ffmpeg's drawtext draws a text with
// one font face and no fallback: a face without a character draws a box
// ("tofu"). Names on a UN or ILO stage come in Latin, Cyrillic, Chinese,
// Arabic, Japanese, Korean... and no one installed face covers them all, so
// every lower third is drawn by one drawtext per face, each reading its own
// file, and the text is written to the file of the face that covers it (the
// others are left empty, which draws nothing, box included).
import { spawnSync } from 'node:child_process';
import type { Logger } from '../../logger.ts';

/** The writing systems that decide which face a text prefers. */
export type Script = 'kana' | 'hangul' | 'han' | 'arabic' | 'other';

/** A face the webcast may draw with, as fontconfig resolved it at start-up. */
export interface FontFace {
  /** Short, file-name safe: 'latin', 'arabic', 'zh', 'ja', 'ko'. */
  id: string;
  /** The fontconfig pattern it was found by (drawtext's fontconfig lookup takes it too). */
  pattern: string;
  file: string;
  /** The face's index in a collection (.ttc): Noto Sans CJK SC is face 2 of NotoSansCJK-Bold.ttc. */
  index: number;
  /** Code points it has glyphs for, as sorted, disjoint [first, last] ranges; null when unknown (found without fontconfig). */
  ranges: [number, number][] | null;
  /** Scripts it is the first choice for. */
  prefers: Script[];
}

/** A face Plenary looks for, and the Debian package that has it. */
export interface WantedFace {
  id: string;
  pattern: string;
  /** The family fontconfig must answer with: anything else is its fallback, not this face. */
  family: string;
  prefers: Script[];
  debianPackage: string;
}

/**
 * What Plenary draws names with, in order of preference: DejaVu Sans for
 * Latin, Greek and Cyrillic (it also has Arabic, with the presentation
 * forms drawtext's shaping needs, so an Arabic name with a Latin country
 * still draws); Noto Sans Arabic for Arabic-only texts; Noto Sans CJK for
 * Chinese (simplified forms, a UN language), Japanese and Korean, which
 * share one set of characters but not the same glyph forms of the Han ones.
 */
export const wantedFaces: readonly WantedFace[] = [
  { id: 'latin', pattern: 'DejaVu Sans:style=Bold', family: 'DejaVu Sans', prefers: ['other'], debianPackage: 'fonts-dejavu-core' },
  { id: 'arabic', pattern: 'Noto Sans Arabic:style=Bold', family: 'Noto Sans Arabic', prefers: ['arabic'], debianPackage: 'fonts-noto-core' },
  { id: 'zh', pattern: 'Noto Sans CJK SC:style=Bold', family: 'Noto Sans CJK SC', prefers: ['han'], debianPackage: 'fonts-noto-cjk' },
  { id: 'ja', pattern: 'Noto Sans CJK JP:style=Bold', family: 'Noto Sans CJK JP', prefers: ['kana'], debianPackage: 'fonts-noto-cjk' },
  { id: 'ko', pattern: 'Noto Sans CJK KR:style=Bold', family: 'Noto Sans CJK KR', prefers: ['hangul'], debianPackage: 'fonts-noto-cjk' },
];

/** Without fontconfig's fc-match: DejaVu where Debian puts it, its coverage unknown. */
const fallbackFile = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';

export interface WebcastFonts {
  faces: FontFace[];
  /** Wanted faces not installed, or why none could be looked for; said once in the log at start-up. */
  missing: { id: string; debianPackage: string }[];
  /** Why fonts could not be looked up at all (no fc-match), if so. */
  problem: string | null;
}

/** fontconfig's charset notation ("20-7e a0 600-6ff") as ranges. */
export function parseCharset(charset: string): [number, number][] {
  const ranges: [number, number][] = [];
  for (const token of charset.trim().split(/\s+/)) {
    const m = /^([0-9a-f]+)(?:-([0-9a-f]+))?$/i.exec(token);
    if (!m?.[1]) continue;
    const first = parseInt(m[1], 16);
    ranges.push([first, m[2] ? parseInt(m[2], 16) : first]);
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

function inRanges(ranges: readonly [number, number][], cp: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [first, last] = ranges[mid] as [number, number];
    if (cp < first) hi = mid - 1;
    else if (cp > last) lo = mid + 1;
    else return true;
  }
  return false;
}

const isArabicLetter = (cp: number): boolean => cp >= 0x0621 && cp <= 0x064a;

/**
 * Whether a face draws a character. Debian's ffmpeg 5.1 shapes Arabic with
 * fribidi only (no HarfBuzz): joined letters become the Arabic
 * Presentation Forms-B characters (U+FE70-FEFC) before they are drawn, so a
 * face for Arabic letters must have those, not only the letters.
 */
export function hasGlyph(face: FontFace, cp: number): boolean {
  if (face.ranges === null) return true;
  if (!inRanges(face.ranges, cp)) return false;
  return !isArabicLetter(cp) || [0xfe80, 0xfe8d, 0xfeb1, 0xfedf, 0xfeea, 0xfefb].every((form) => inRanges(face.ranges as [number, number][], form));
}

function scriptOf(cp: number): Script {
  if ((cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x31f0 && cp <= 0x31ff) || (cp >= 0xff66 && cp <= 0xff9f)) return 'kana';
  if ((cp >= 0xac00 && cp <= 0xd7af) || (cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0x3130 && cp <= 0x318f)) return 'hangul';
  if ((cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x3ffff)) return 'han';
  if ((cp >= 0x0600 && cp <= 0x06ff) || (cp >= 0x0750 && cp <= 0x077f) || (cp >= 0x08a0 && cp <= 0x08ff) || (cp >= 0xfb50 && cp <= 0xfdff) || (cp >= 0xfe70 && cp <= 0xfeff)) return 'arabic';
  return 'other';
}

/**
 * The script a text is written in, for choosing its face: kana make a
 * Han text Japanese and Hangul makes it Korean (their Han glyphs differ
 * from Chinese ones); Han alone is Chinese; then Arabic; else other.
 */
export function textScript(text: string): Script {
  const seen = new Set<Script>();
  for (const ch of text) seen.add(scriptOf(ch.codePointAt(0) ?? 0));
  for (const s of ['kana', 'hangul', 'han', 'arabic'] as const) if (seen.has(s)) return s;
  return 'other';
}

export interface FacePick {
  /** The face to draw the text with; null for an empty text or when there is no face at all. */
  face: FontFace | null;
  /** Characters that face has no glyph for (drawn as boxes): empty when a face covers the text. */
  uncovered: string[];
}

/**
 * The face a text is drawn with: the first face preferred for the text's
 * script that has every character, else the first other such face in
 * order; when none has them all, the one missing the fewest (its boxes
 * are reported).
 */
export function pickFace(text: string, faces: readonly FontFace[]): FacePick {
  if (text === '' || faces.length === 0) return { face: null, uncovered: [] };
  const script = textScript(text);
  const ordered = [...faces.filter((f) => f.prefers.includes(script)), ...faces.filter((f) => !f.prefers.includes(script))];
  const chars = [...new Set(text)].filter((ch) => !/\s/.test(ch));
  let best: FacePick | null = null;
  for (const face of ordered) {
    const uncovered = chars.filter((ch) => !hasGlyph(face, ch.codePointAt(0) ?? 0));
    if (uncovered.length === 0) return { face, uncovered };
    if (!best || uncovered.length < best.uncovered.length) best = { face, uncovered };
  }
  return best as FacePick;
}

/** The file a face's drawtext reads for a lower third kept in `file` ("slot-0.txt" → "slot-0.zh.txt"). */
export function faceFile(file: string, face: FontFace): string {
  return file.endsWith('.txt') ? `${file.slice(0, -4)}.${face.id}.txt` : `${file}.${face.id}`;
}

/**
 * drawtext's font option for a face. A face first in its file is given by
 * path; a face further into a collection by its fontconfig pattern, which
 * drawtext resolves with fontconfig when the "file" does not open (the
 * only way ffmpeg 5.1 reaches a face index other than 0).
 */
export function drawtextFont(face: FontFace): string {
  return face.index === 0 ? face.file : face.pattern;
}

export interface FcMatch {
  family: string;
  file: string;
  index: number;
  charset: string;
}

/** Asks fontconfig's fc-match for a pattern; null when fc-match cannot run. */
export function fcMatch(pattern: string): FcMatch | null {
  const r = spawnSync('fc-match', ['--format', '%{family[0]}\n%{file}\n%{index}\n%{charset}\n', pattern], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0 || typeof r.stdout !== 'string') return null;
  const [family = '', file = '', index = '0', charset = ''] = r.stdout.split('\n');
  return { family, file, index: Number(index) || 0, charset };
}

/** Finds the wanted faces through fontconfig (`match` is fc-match; tests pass their own). */
export function findFonts(match: (pattern: string) => FcMatch | null = fcMatch, exists: (file: string) => boolean = () => true): WebcastFonts {
  const faces: FontFace[] = [];
  const missing: WebcastFonts['missing'] = [];
  for (const wanted of wantedFaces) {
    const found = match(wanted.pattern);
    if (found === null) {
      // No fontconfig tools: DejaVu by its Debian path, as before there was a choice.
      const fallback = exists(fallbackFile) ? [{ id: 'latin', pattern: wantedFaces[0]?.pattern ?? '', file: fallbackFile, index: 0, ranges: null, prefers: ['other' as const] }] : [];
      return { faces: fallback, missing: wantedFaces.map((w) => ({ id: w.id, debianPackage: w.debianPackage })), problem: 'fc-match (Debian package fontconfig) is not installed' };
    }
    // fontconfig answers every pattern with something: only the family asked for is the face wanted.
    if (found.family !== wanted.family || !found.file || !exists(found.file)) {
      missing.push({ id: wanted.id, debianPackage: wanted.debianPackage });
      continue;
    }
    faces.push({ id: wanted.id, pattern: wanted.pattern, file: found.file, index: found.index, ranges: parseCharset(found.charset), prefers: wanted.prefers });
  }
  return { faces, missing, problem: null };
}

let found: WebcastFonts | null = null;

/** The installed faces, looked up once per process (fontconfig does not change under a running server). */
export function installedFonts(): WebcastFonts {
  found ??= findFonts();
  return found;
}

/** Says at start-up which faces are missing, so names that will show as boxes are explained before anyone speaks. */
export function logFonts(fonts: WebcastFonts, logger: Pick<Logger, 'warn' | 'info'>): void {
  if (fonts.problem) {
    logger.warn({ problem: fonts.problem, fallback: fonts.faces.map((f) => f.file) }, 'webcast lower thirds: no font lookup, names in Chinese, Japanese, Korean or Arabic may show as boxes (apt-get install fontconfig fonts-noto-cjk fonts-noto-core)');
  } else if (fonts.missing.length > 0) {
    const packages = [...new Set(fonts.missing.map((m) => m.debianPackage))];
    logger.warn({ missing: fonts.missing.map((m) => m.id), faces: fonts.faces.map((f) => f.id) }, `webcast lower thirds: fonts missing, names in those scripts will show as boxes or in a fallback font (apt-get install ${packages.join(' ')})`);
  } else {
    logger.info({ faces: fonts.faces.map((f) => `${f.id}: ${f.file}#${f.index}`) }, 'webcast lower thirds: fonts found');
  }
}

/**
 * Writes lower thirds as the per-face files the encoder's drawtext filters
 * read: the face that covers a text gets it, the others an empty file. A
 * text no face covers is drawn with the closest one and reported once.
 */
export class LowerThirdWriter {
  private readonly reported = new Set<string>();
  private readonly faces: readonly FontFace[];
  private readonly report: (text: string, pick: FacePick) => void;

  constructor(faces: readonly FontFace[], report: (text: string, pick: FacePick) => void) {
    this.faces = faces;
    this.report = report;
  }

  /** The files to write for `text` kept in `file`, empties first (a face switch blanks a frame rather than drawing both). */
  files(file: string, text: string): [string, string][] {
    const pick = pickFace(text, this.faces);
    if (pick.uncovered.length > 0 && !this.reported.has(text)) {
      this.reported.add(text);
      this.report(text, pick);
    }
    const others = this.faces.filter((f) => f !== pick.face).map((f): [string, string] => [faceFile(file, f), '']);
    return pick.face ? [...others, [faceFile(file, pick.face), text]] : others;
  }
}
