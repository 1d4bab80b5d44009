import type { RunItemView } from '../server/domain/running-order.ts';

type ItemText = Pick<RunItemView, 'title' | 'speaker' | 'localized'>;

/**
 * A running-order item's title and speaker in the page's language when the
 * item carries translations (the seeded orders), else as written (`title`
 * and `speaker` are the English), for the views that only show an item:
 * the room's floor bar, the projector and the interpreter's console.
 */
export function itemText(item: ItemText, pageLang: string = document.documentElement.lang || 'en'): { title: string; speaker?: string } {
  const lang = pageLang.slice(0, 2) as keyof NonNullable<RunItemView['localized']>['title'];
  const title = item.localized?.title[lang] ?? item.title;
  const speaker = item.speaker === undefined ? undefined : (item.localized?.speaker?.[lang] ?? item.speaker);
  return speaker === undefined ? { title } : { title, speaker };
}
