import { shadeOverflow } from './scroll-shade.ts';

/**
 * The programme's day tabs. Without JavaScript they are links to each day's
 * section (every day stays on the page); with it, the same links become ARIA
 * tabs showing one day at a time: arrow keys move between them (mirrored
 * right to left), Home/End go to the ends, and a link to a day or to a
 * session (#day-… / #session-…) opens the day that holds it.
 */
export function enhanceDayTabs(root: Document = document): void {
  const nav = root.querySelector<HTMLElement>('[data-day-tabs]');
  if (!nav) return;
  const list = nav.querySelector('ul');
  const tabs = [...nav.querySelectorAll<HTMLAnchorElement>('a.day-tab')];
  const panels = tabs.map((tab) => root.getElementById(`day-${tab.dataset.day ?? ''}`));
  if (!list || tabs.length === 0 || panels.some((p) => !p)) return;

  list.setAttribute('role', 'tablist');
  // On a phone the days may not all fit: the side with more of them out of view is shaded.
  if (typeof ResizeObserver === 'function') shadeOverflow(list);
  for (const item of list.children) item.setAttribute('role', 'presentation');
  tabs.forEach((tab, i) => {
    const panel = panels[i]!;
    tab.setAttribute('role', 'tab');
    tab.setAttribute('aria-controls', panel.id);
    panel.setAttribute('role', 'tabpanel');
    panel.setAttribute('aria-labelledby', tab.id);
    panel.tabIndex = -1;
  });

  const select = (index: number, focus: boolean): void => {
    tabs.forEach((tab, i) => {
      const on = i === index;
      tab.setAttribute('aria-selected', on ? 'true' : 'false');
      tab.tabIndex = on ? 0 : -1;
      panels[i]!.hidden = !on;
    });
    if (focus) tabs[index]!.focus();
  };

  const indexForHash = (hash: string): number => {
    const target = hash.length > 1 ? root.getElementById(decodeURIComponent(hash.slice(1))) : null;
    if (!target) return -1;
    return panels.findIndex((panel) => panel === target || panel!.contains(target));
  };

  const initial = indexForHash(location.hash);
  const fallback = Math.max(0, tabs.findIndex((tab) => tab.dataset.default === 'true'));
  select(initial >= 0 ? initial : fallback, false);
  if (initial >= 0) root.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();

  tabs.forEach((tab, i) => {
    tab.addEventListener('click', (event) => {
      event.preventDefault();
      select(i, false);
      history.replaceState(null, '', `#${panels[i]!.id}`);
    });
    tab.addEventListener('keydown', (event) => {
      const rtl = getComputedStyle(nav).direction === 'rtl';
      const forward = rtl ? 'ArrowLeft' : 'ArrowRight';
      const back = rtl ? 'ArrowRight' : 'ArrowLeft';
      let next = -1;
      if (event.key === forward) next = (i + 1) % tabs.length;
      else if (event.key === back) next = (i - 1 + tabs.length) % tabs.length;
      else if (event.key === 'Home') next = 0;
      else if (event.key === 'End') next = tabs.length - 1;
      if (next < 0) return;
      event.preventDefault();
      select(next, true);
    });
  });
  window.addEventListener('hashchange', () => {
    const index = indexForHash(location.hash);
    if (index >= 0) select(index, false);
  });
}
