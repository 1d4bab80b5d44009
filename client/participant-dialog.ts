/**
 * Progressive enhancement of the participants table: "Manage" opens the
 * participant's page in a modal dialog over the table instead of leaving it.
 * The dialog holds that page's own forms; a submit is sent with fetch and the
 * page the server answers with (the participant's page with its notice, a
 * refusal, or a new invitation link) replaces the dialog's content, so the
 * feedback appears where the organiser is looking. Closing the dialog after
 * a change reloads the table, so its rows are current. Without JavaScript,
 * "Manage" is a link to the same page.
 */
export function enhanceParticipantDialogs(root: Document = document): void {
  const table = root.querySelector<HTMLElement>('[data-testid="participant-table"]');
  if (!table || typeof HTMLDialogElement === 'undefined') return;
  const dialog = root.createElement('dialog');
  dialog.className = 'participant-dialog';
  dialog.dataset.testid = 'participant-dialog';
  const close = root.createElement('button');
  close.type = 'button';
  close.className = 'button-small participant-dialog-close';
  close.textContent = table.dataset.closeLabel ?? '×';
  const body = root.createElement('div');
  body.className = 'participant-dialog-body';
  dialog.append(close, body);
  root.body.append(dialog);
  let changed = false;
  let opener: HTMLElement | null = null;

  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    body.replaceChildren();
    if (changed) window.location.reload();
    else opener?.focus();
  });

  /** Puts the answered page's article into the dialog; false when the answer is not one of our pages. */
  function show(html: string): boolean {
    const page = new DOMParser().parseFromString(html, 'text/html');
    const article = page.querySelector('main article');
    if (!article) return false;
    body.replaceChildren(root.importNode(article, true));
    const heading = body.querySelector('h1');
    if (heading) {
      heading.id ||= 'participant-dialog-title';
      dialog.setAttribute('aria-labelledby', heading.id);
    }
    // Feedback first (it is announced through its role), else the heading.
    const feedback = body.querySelector<HTMLElement>('[role="status"], [role="alert"]');
    const target = feedback ?? heading;
    if (target) {
      target.tabIndex = -1;
      target.focus();
    }
    return true;
  }

  async function load(url: string, init?: RequestInit): Promise<void> {
    const res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'text/html' }, ...init });
    if (!show(await res.text())) window.location.href = res.url || url;
  }

  table.addEventListener('click', (event) => {
    const link = (event.target as Element).closest<HTMLAnchorElement>('a[data-testid="manage"], th.col-name > a');
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    opener = link;
    changed = false;
    void load(link.href).then(() => {
      if (!dialog.open) dialog.showModal();
    });
  });

  body.addEventListener('submit', (event) => {
    const form = event.target as HTMLFormElement;
    if (form.method.toLowerCase() !== 'post') return;
    event.preventDefault();
    const data = new FormData(form, (event as SubmitEvent).submitter);
    changed = true;
    void load(form.action, { method: 'POST', body: new URLSearchParams(data as unknown as Record<string, string>), headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' } });
  });
}
