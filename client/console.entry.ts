// The organiser consoles: what every page does (zone, bookmarks), plus the
// consoles' own enhancements. Each works on the server-rendered forms and
// does nothing where its markup is absent.
import './app.entry.ts';
import { enhanceParticipantTable } from './console-table.ts';
import { enhanceLanguageTabs } from './language-tabs.ts';
import { enhanceParticipantDialogs } from './participant-dialog.ts';
import { shadeOverflow } from './scroll-shade.ts';

enhanceParticipantTable();
enhanceLanguageTabs();
enhanceParticipantDialogs();

// On a phone the console navigation scrolls sideways inside itself: bring this page's entry into view.
const current = document.querySelector<HTMLElement>('.console-nav [aria-current="page"]');
const strip = current?.closest('ul');
if (current && strip && strip.scrollWidth > strip.clientWidth) {
  const box = current.getBoundingClientRect();
  const frame = strip.getBoundingClientRect();
  strip.scrollLeft += box.left + box.width / 2 - (frame.left + frame.width / 2);
}
// Where it scrolls, the edge where more consoles lie out of view is shaded.
const nav = document.querySelector<HTMLElement>('.console-nav ul');
if (nav) shadeOverflow(nav);
