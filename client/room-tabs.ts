import { shadeOverflow } from './scroll-shade.ts';

/**
 * The room's two layouts. On a wide screen (about 1100 px and more) every
 * part of the room shows at once: the stage and the questions in the main
 * column, the speakers, the chair's console and the running order beside
 * them. On a narrower one the parts become ARIA tabs (the stage first), so a
 * phone shows one part at a time instead of a long page. Both are the same
 * DOM: only the tab roles and the panes' `hidden` change.
 */
export const wideRoom = '(min-width: 68.75rem)';

/**
 * Arrow keys, Home and End move among the tabs of a tab list (mirrored in
 * right-to-left text) and select the tab they reach; Tab leaves the list
 * (roving tabindex: only the selected tab is in the tab order).
 */
export function tablistKeys(list: HTMLElement, select: (tab: HTMLButtonElement) => void): void {
  list.addEventListener('keydown', (event) => {
    const tabs = [...list.querySelectorAll<HTMLButtonElement>('[role="tab"]')].filter((t) => !t.hidden);
    const at = tabs.indexOf(event.target as HTMLButtonElement);
    if (at < 0) return;
    const rtl = getComputedStyle(list).direction === 'rtl';
    const step = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 }[event.key];
    let to: number | undefined;
    if (step !== undefined) to = (at + step + tabs.length) % tabs.length;
    else if (event.key === 'Home') to = 0;
    else if (event.key === 'End') to = tabs.length - 1;
    if (to === undefined) return;
    event.preventDefault();
    const tab = tabs[to];
    if (!tab) return;
    select(tab);
    tab.focus();
  });
  list.addEventListener('click', (event) => {
    const tab = (event.target as HTMLElement).closest<HTMLButtonElement>('[role="tab"]');
    if (tab && list.contains(tab)) select(tab);
  });
}

/** Marks one tab of a list selected (aria-selected, roving tabindex). */
export function markSelected(list: HTMLElement, selected: HTMLButtonElement): void {
  for (const tab of list.querySelectorAll<HTMLButtonElement>('[role="tab"]')) {
    const on = tab === selected;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
  }
}

export class RoomTabs {
  private readonly list: HTMLElement;
  private readonly panes = new Map<string, HTMLElement>();
  private readonly tabs = new Map<string, HTMLButtonElement>();
  private readonly available = new Map<string, boolean>();
  private readonly media: MediaQueryList;
  private selected = 'stage';
  private readonly markOverflow: () => void = () => {};

  constructor(list: HTMLElement, root: ParentNode = document) {
    this.list = list;
    for (const tab of list.querySelectorAll<HTMLButtonElement>('[role="tab"]')) {
      const name = tab.dataset.pane ?? '';
      const pane = root.querySelector<HTMLElement>(`#pane-${name}`);
      if (!pane) continue;
      this.tabs.set(name, tab);
      this.panes.set(name, pane);
      this.available.set(name, !tab.hidden);
    }
    tablistKeys(list, (tab) => this.select(tab.dataset.pane ?? 'stage'));
    this.media = window.matchMedia(wideRoom);
    this.media.addEventListener('change', () => this.layout());
    // On a phone the tabs may be wider than the screen: the edge where more lie out of view is shaded.
    this.markOverflow = shadeOverflow(list);
    this.layout();
  }

  get wide(): boolean {
    return this.media.matches;
  }

  /** Shows or hides a part of the room (the chair's console for moderators, the running order once there is one). */
  setAvailable(name: string, available: boolean): void {
    if (this.available.get(name) === available) return;
    this.available.set(name, available);
    if (!available && this.selected === name) this.selected = 'stage';
    this.layout();
  }

  /** A small count on a tab (the people waiting, the questions to review); null removes it. */
  setCount(name: string, count: number | null, label?: string): void {
    const badge = this.tabs.get(name)?.querySelector<HTMLElement>('.tab-count');
    if (!badge) return;
    badge.hidden = !count;
    badge.textContent = count ? String(count) : '';
    if (label) badge.setAttribute('title', label);
    this.markOverflow();
  }

  /** Opens a part of the room: on a phone its tab; on a wide screen it is already in view. */
  select(name: string): void {
    if (!this.panes.has(name) || !this.available.get(name)) return;
    this.selected = name;
    this.layout();
  }

  private layout(): void {
    const wide = this.media.matches;
    this.list.hidden = wide;
    for (const [name, pane] of this.panes) {
      const tab = this.tabs.get(name);
      const available = this.available.get(name) ?? false;
      if (tab) tab.hidden = !available;
      if (wide) {
        pane.removeAttribute('role');
        pane.removeAttribute('aria-labelledby');
        pane.removeAttribute('tabindex');
        pane.hidden = !available;
      } else {
        pane.setAttribute('role', 'tabpanel');
        if (tab) pane.setAttribute('aria-labelledby', tab.id);
        pane.tabIndex = -1;
        pane.hidden = !available || name !== this.selected;
      }
    }
    const tab = this.tabs.get(this.selected);
    if (tab) markSelected(this.list, tab);
    document.documentElement.dataset.roomLayout = wide ? 'wide' : 'tabs';
    this.markOverflow();
  }
}
