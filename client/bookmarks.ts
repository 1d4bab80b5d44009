/**
 * The star buttons on the programme and agenda: without JavaScript each is a
 * form that posts and comes back; with it, the same button toggles in place
 * through the JSON API (PUT/DELETE /api/events/:eventId/bookmarks/:sessionId)
 * and keeps aria-pressed, its label and the form's fallback value in step.
 */
function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
}

function render(form: HTMLFormElement, on: boolean): void {
  const button = form.querySelector<HTMLButtonElement>('button.bookmark-toggle');
  const next = form.querySelector<HTMLInputElement>('input[name="bookmarked"]');
  if (!button || !next) return;
  button.setAttribute('aria-pressed', on ? 'true' : 'false');
  const star = button.querySelector('.star');
  if (star) star.textContent = on ? '★' : '☆';
  const text = button.querySelector('.bookmark-text');
  if (text) text.textContent = (on ? button.dataset.labelOn : button.dataset.labelOff) ?? '';
  next.value = on ? 'false' : 'true';
}

async function toggle(form: HTMLFormElement): Promise<void> {
  const { eventId, sessionId } = form.dataset;
  const button = form.querySelector<HTMLButtonElement>('button.bookmark-toggle');
  if (!eventId || !sessionId || !button) return;
  const on = button.getAttribute('aria-pressed') !== 'true';
  button.disabled = true;
  try {
    const res = await fetch(`/api/events/${encodeURIComponent(eventId)}/bookmarks/${encodeURIComponent(sessionId)}`, {
      method: on ? 'PUT' : 'DELETE',
      headers: { 'x-csrf-token': csrfToken(), accept: 'application/json' },
      credentials: 'same-origin',
    });
    if (!res.ok) throw new Error(String(res.status));
    render(form, on);
  } catch {
    // Fall back to the plain form post, which shows the server's answer.
    form.submit();
  } finally {
    button.disabled = false;
  }
}

export function enhanceBookmarks(root: ParentNode = document): void {
  for (const form of root.querySelectorAll<HTMLFormElement>('form.bookmark-form')) {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void toggle(form);
    });
  }
}
