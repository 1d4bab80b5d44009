import { enhanceBookmarks } from './bookmarks.ts';
import { enhanceCopyButtons } from './copy-buttons.ts';
import { enhanceDayTabs } from './day-tabs.ts';
import { browserTimeZone, rememberZone } from './zone.ts';

// The server renders the event's zone until it knows the viewer's. On the
// first visit with JavaScript, tell it the browser's zone once and reload;
// a zone the viewer picked by hand (cookie or ?tz=) is never overridden.
function adoptBrowserZone(): void {
  const body = document.body;
  if (body.dataset.zoneSource !== 'event') return;
  const zone = browserTimeZone();
  if (!zone) return;
  rememberZone(zone);
  if (document.querySelector('[data-event-id]')) window.location.reload();
}

adoptBrowserZone();
enhanceBookmarks();
enhanceDayTabs();
enhanceCopyButtons();
