import type { RunItem, RunningOrder } from './running-order.ts';

/**
 * The order without its notes of statements' texts: the texts are deleted
 * when the session is over (services/statement-retention.ts), so the order
 * no longer offers them. Nothing to drop: the same order (no new version).
 */
export function withoutTexts(order: RunningOrder): RunningOrder {
  if (!order.items.some((i) => i.text)) return order;
  const drop = (item: RunItem): RunItem => {
    if (!item.text) return item;
    const { text: _text, ...rest } = item;
    return rest;
  };
  return { ...order, version: order.version + 1, items: order.items.map(drop) };
}
