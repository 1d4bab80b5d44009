/**
 * A row that scrolls sideways inside itself (the room's tabs, the console
 * navigation on a phone) is marked where more of it lies out of view:
 * `more-before` / `more-after`, in reading order (Arabic mirrors), from its
 * scroll position; client/styles.css shades that edge, so nobody takes what
 * is in view for all there is. Returns the update, for callers whose row
 * changes width without a resize (tabs shown or hidden, counts).
 */
export function shadeOverflow(row: HTMLElement): () => void {
  const update = (): void => {
    const hidden = row.scrollWidth - row.clientWidth;
    // Right to left, Chromium counts scrollLeft from 0 down to minus the overflow.
    const scrolled = Math.abs(row.scrollLeft);
    row.classList.toggle('more-before', hidden > 1 && scrolled > 1);
    row.classList.toggle('more-after', hidden > 1 && scrolled < hidden - 1);
  };
  row.classList.add('scroll-shade');
  row.addEventListener('scroll', update, { passive: true });
  new ResizeObserver(update).observe(row);
  update();
  return update;
}
