/**
 * Progressive enhancement of the participants table
 * (templates/pages/console-participants.hbs): the search box and the
 * filters narrow the rows as one types, without a round trip (the same
 * form submitted without JavaScript filters on the server); a "select all
 * shown" box; the bulk buttons say how many are selected and wait for a
 * selection. A row hidden by a filter is unticked, so a bulk action never
 * reaches someone the organiser cannot see.
 */
export function enhanceParticipantTable(root: ParentNode = document): void {
  const table = root.querySelector<HTMLTableElement>('[data-testid="participant-table"]');
  const filters = root.querySelector<HTMLFormElement>('[data-testid="participant-filters"]');
  if (!table || !filters) return;
  const rows = [...table.querySelectorAll<HTMLTableRowElement>('tbody tr.participant')];
  const search = filters.querySelector<HTMLInputElement>('input[name="q"]');
  const select = (name: string) => filters.querySelector<HTMLSelectElement>(`select[name="${name}"]`);
  const shown = root.querySelector<HTMLElement>('[data-testid="shown-count"]');
  const noMatch = root.querySelector<HTMLElement>('[data-testid="no-match"]');
  const selectAll = table.querySelector<HTMLInputElement>('input[data-select-all]');
  const count = root.querySelector<HTMLElement>('[data-testid="selected-count"] output');
  const bulkButtons = [...root.querySelectorAll<HTMLButtonElement>('.bulk-bar button')];
  const pattern = shown?.dataset.pattern ?? '';
  const boxes = () => rows.map((r) => r.querySelector<HTMLInputElement>('input[name="ids"]')).filter((b): b is HTMLInputElement => b !== null);

  if (count) count.hidden = false;
  const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase();

  function updateSelection(): void {
    const visible = boxes().filter((b) => !b.closest('tr')?.hidden);
    const ticked = visible.filter((b) => b.checked).length;
    if (count) count.textContent = String(ticked);
    for (const button of bulkButtons) button.disabled = ticked === 0;
    if (selectAll) {
      selectAll.checked = ticked > 0 && ticked === visible.length;
      selectAll.indeterminate = ticked > 0 && ticked < visible.length;
    }
  }

  function applyFilters(): void {
    const words = fold(search?.value ?? '').split(/\s+/).filter(Boolean);
    const group = select('group')?.value ?? '';
    const role = select('role')?.value ?? '';
    const status = select('status')?.value ?? '';
    let visible = 0;
    for (const row of rows) {
      const haystack = fold(row.dataset.search ?? '');
      const roles = (row.dataset.roles ?? '').split(/\s+/).filter(Boolean);
      const keep =
        words.every((w) => haystack.includes(w)) &&
        (!group || row.dataset.group === group) &&
        (!status || row.dataset.status === status) &&
        (!role || (role === 'none' ? roles.length === 0 : roles.includes(role)));
      row.hidden = !keep;
      // The feedback row under a participant follows it.
      const next = row.nextElementSibling;
      if (next instanceof HTMLTableRowElement && next.classList.contains('row-feedback')) next.hidden = !keep;
      if (!keep) {
        const box = row.querySelector<HTMLInputElement>('input[name="ids"]');
        if (box) box.checked = false;
      }
      if (keep) visible += 1;
    }
    if (shown && pattern) shown.textContent = pattern.replace('{shown}', String(visible)).replace('{total}', String(rows.length));
    if (noMatch) noMatch.hidden = visible > 0;
    updateSelection();
  }

  search?.addEventListener('input', applyFilters);
  for (const name of ['group', 'role', 'status']) select(name)?.addEventListener('change', applyFilters);
  if (selectAll) {
    selectAll.hidden = false;
    selectAll.addEventListener('change', () => {
      for (const box of boxes()) if (!box.closest('tr')?.hidden) box.checked = selectAll.checked;
      updateSelection();
    });
  }
  table.addEventListener('change', (e) => {
    if (e.target instanceof HTMLInputElement && e.target.name === 'ids') updateSelection();
  });
  updateSelection();
}
