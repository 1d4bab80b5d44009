/**
 * Texts in six languages without a wall of fields: inside an element marked
 * `data-language-tabs`, each `<fieldset data-language="xx">` holds one
 * language's fields. Without JavaScript they are all shown, one after the
 * other; with it, a row of tabs (WAI-ARIA tabs, arrow keys move between
 * them) shows one at a time. Every field stays in the form, so saving sends
 * every language, including the ones not shown.
 */
export function enhanceLanguageTabs(root: ParentNode = document): void {
  for (const [index, group] of [...root.querySelectorAll<HTMLElement>('[data-language-tabs]')].entries()) {
    const panels = [...group.querySelectorAll<HTMLFieldSetElement>(':scope > fieldset[data-language]')];
    if (panels.length < 2) continue;
    const list = document.createElement('div');
    list.className = 'language-tabs';
    list.setAttribute('role', 'tablist');
    if (group.dataset.label) list.setAttribute('aria-label', group.dataset.label);
    const preferred = group.dataset.current ?? document.documentElement.lang.split('-')[0];
    const tabs = panels.map((panel, i) => {
      const tab = document.createElement('button');
      tab.type = 'button';
      tab.className = 'language-tab';
      tab.setAttribute('role', 'tab');
      tab.id = `lt-${index}-${panel.dataset.language}`;
      panel.id ||= `lp-${index}-${panel.dataset.language}`;
      tab.setAttribute('aria-controls', panel.id);
      panel.setAttribute('role', 'tabpanel');
      panel.setAttribute('aria-labelledby', tab.id);
      const legend = panel.querySelector('legend');
      tab.textContent = panel.dataset.tabLabel ?? legend?.textContent ?? panel.dataset.language ?? String(i);
      if (panel.lang) tab.lang = panel.lang;
      // A language with any text gets a dot, so the organiser sees which ones are filled in.
      const filled = [...panel.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea')].some((f) => f.value.trim() !== '');
      if (filled) tab.dataset.filled = 'true';
      // A field refused by the server opens its language.
      if (panel.querySelector('[aria-invalid="true"]')) tab.dataset.invalid = 'true';
      list.append(tab);
      return tab;
    });
    const select = (i: number, focus = false) => {
      tabs.forEach((tab, j) => {
        const on = i === j;
        tab.setAttribute('aria-selected', String(on));
        tab.tabIndex = on ? 0 : -1;
        panels[j]!.hidden = !on;
      });
      if (focus) tabs[i]!.focus();
    };
    tabs.forEach((tab, i) => {
      tab.addEventListener('click', () => select(i));
      tab.addEventListener('keydown', (e) => {
        const rtl = getComputedStyle(group).direction === 'rtl';
        const forward = rtl ? 'ArrowLeft' : 'ArrowRight';
        const back = rtl ? 'ArrowRight' : 'ArrowLeft';
        if (e.key === forward) select((i + 1) % tabs.length, true);
        else if (e.key === back) select((i - 1 + tabs.length) % tabs.length, true);
        else if (e.key === 'Home') select(0, true);
        else if (e.key === 'End') select(tabs.length - 1, true);
        else return;
        e.preventDefault();
      });
    });
    group.prepend(list);
    group.classList.add('tabs-enhanced');
    const invalid = tabs.findIndex((t) => t.dataset.invalid);
    const start = invalid >= 0 ? invalid : Math.max(0, panels.findIndex((p) => p.dataset.language === preferred));
    select(start);
  }
}
