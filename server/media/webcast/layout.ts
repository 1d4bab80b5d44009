import type { ProduceRight } from '../../protocol/media-events.ts';
import { countryName } from '../../domain/countries.ts';

/** A video on the stage as the webcast composes it. */
export interface StageVideo {
  producerId: string;
  participantId: string;
  name: string;
  source: string;
  right: ProduceRight;
}

/** Who the composition follows: the active speaker (mediasoup's observer) and the delegate holding the floor, by participant. */
export interface Focus {
  speaker: string | null;
  floor: string | null;
}

/** At most this many stage videos: one large, four in the strip. */
export const maxStageVideos = 5;

/**
 * Which video is large: the floor holder's (a delegate speaking), else a
 * pre-recorded statement being played, else a shared screen (slides are
 * unreadable in the strip), else the active speaker's camera, else the
 * first on the stage.
 */
export function mainIndex(videos: readonly StageVideo[], focus: Focus): number {
  if (videos.length === 0) return -1;
  const pick = (test: (v: StageVideo) => boolean): number => videos.findIndex(test);
  for (const i of [
    pick((v) => v.right === 'floor' || (focus.floor !== null && v.participantId === focus.floor)),
    pick((v) => v.right === 'playback'),
    pick((v) => v.source === 'screen'),
    pick((v) => focus.speaker !== null && v.participantId === focus.speaker && v.source === 'camera'),
  ]) {
    if (i >= 0) return i;
  }
  return 0;
}

/** Slot k of the composition shows video order[k]: slot 0 is the large one, the others keep their stage order in the strip. */
export function slotOrder(videos: readonly StageVideo[], focus: Focus): number[] {
  const main = mainIndex(videos, focus);
  if (main < 0) return [];
  return [main, ...videos.map((_, i) => i).filter((i) => i !== main)];
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Geometry {
  main: Rect;
  strip: Rect[];
  /** The sign-language interpreter's inset: always the same place, so viewers who need it know where to look. */
  sign: Rect;
}

const even = (n: number): number => Math.max(2, Math.floor(n / 2) * 2);

/**
 * Where things go in a W×H frame for `count` stage videos: one alone fills
 * the frame; with more, the large one takes three quarters of each side at
 * the top and the others a strip of quarter-size tiles below it, centred.
 * The sign inset sits in the top right corner.
 */
export function geometry(width: number, height: number, count: number): Geometry {
  const margin = even(height / 40);
  const signW = even(width * 0.24);
  const sign = { x: width - signW - margin, y: margin, w: signW, h: even((signW * 9) / 16) };
  if (count <= 1) return { main: { x: 0, y: 0, w: even(width), h: even(height) }, strip: [], sign };
  const mainW = even((width * 3) / 4);
  const mainH = even((height * 3) / 4);
  const tileW = even(width / 4);
  const tileH = even(height / 4);
  const tiles = Math.min(count, maxStageVideos) - 1;
  const left = even((width - tiles * tileW) / 2);
  return {
    main: { x: even((width - mainW) / 2), y: 0, w: mainW, h: mainH },
    strip: Array.from({ length: tiles }, (_, i) => ({ x: left + i * tileW, y: mainH, w: tileW, h: tileH })),
    sign,
  };
}

/** Who a lower third names. */
export interface Person {
  name: string;
  /** ISO 3166-1 alpha-2. */
  country?: string | undefined;
  organization?: string | undefined;
  group?: string | undefined;
}


/**
 * A lower third, "name, country" for a government delegate and "name,
 * organisation" for the others (a worker's or employer's organisation says
 * more than their country), falling back to whichever is known.
 */
export function lowerThird(person: Person): string {
  const country = person.country ? countryName(person.country, 'en') : '';
  const organization = person.organization?.trim() ?? '';
  const affiliation = person.group === 'government' ? country || organization : organization || country;
  const text = affiliation && !person.name.includes(affiliation) ? `${person.name}, ${affiliation}` : person.name;
  // One line, short enough for the frame; drawtext would render control characters as boxes.
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > 70 ? `${clean.slice(0, 69)}…` : clean;
}

/** The running order's current item as a lower third: its title, and its speaker when named. */
export function itemLine(item: { title: string; speaker?: string | undefined } | null): string {
  if (!item) return '';
  const text = item.speaker ? `${item.title} · ${item.speaker}` : item.title;
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > 90 ? `${clean.slice(0, 89)}…` : clean;
}
