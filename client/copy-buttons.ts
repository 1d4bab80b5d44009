/**
 * Copy buttons beside one-time secret links. The server renders each link in
 * a read-only field inside `.copy-field` with a hidden button and a polite
 * status region; with JavaScript the button appears, copies the field's
 * value, and the status says "Copied" (or how to copy by hand) to screen
 * readers and on screen. Without JavaScript the field stays selectable.
 */
export function enhanceCopyButtons(root: ParentNode = document): void {
  for (const field of root.querySelectorAll<HTMLElement>('.copy-field')) {
    const input = field.querySelector<HTMLInputElement | HTMLTextAreaElement>('input, textarea');
    const button = field.querySelector<HTMLButtonElement>('button.copy-button');
    const status = field.querySelector<HTMLElement>('.copy-status');
    if (!input || !button || !status) continue;
    button.hidden = false;
    input.addEventListener('focus', () => input.select());
    button.addEventListener('click', async () => {
      status.textContent = '';
      try {
        await navigator.clipboard.writeText(input.value);
        status.textContent = button.dataset.copied ?? '';
        status.dataset.state = 'copied';
      } catch {
        input.focus();
        input.select();
        status.textContent = button.dataset.failed ?? '';
        status.dataset.state = 'failed';
      }
    });
  }
}
