import { iconMarkup, type IconName } from '../server/http/icon-set.ts';

export type { IconName };

/** The icon as an element, for client code that builds or relabels buttons. */
export function icon(name: IconName): SVGSVGElement {
  const parsed = new DOMParser().parseFromString(iconMarkup(name), 'image/svg+xml');
  return document.importNode(parsed.documentElement, true) as unknown as SVGSVGElement;
}

/**
 * Sets a button's label and its leading icon together, so a state-aware
 * button (Mute / Unmute) flips both. No text node is added beside the label:
 * the button's text stays exactly `text`.
 */
export function setIconLabel(node: HTMLElement, name: IconName, text: string): void {
  const current = node.firstElementChild;
  if (node.textContent === text && current?.classList.contains(`icon-${name}`)) return;
  node.replaceChildren(icon(name), text);
}
