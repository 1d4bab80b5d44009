import type { Request } from 'express';

const hostPattern = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The origin for absolute links (feeds, webcal, "add to calendar"):
 * PUBLIC_URL when configured, else what the request was addressed to.
 * A Host header that is not a plain host[:port] is not echoed into links.
 */
export function baseUrlOf(req: Request, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  const host = req.get('host') ?? '';
  return `${req.protocol}://${hostPattern.test(host) ? host : 'localhost'}`;
}
