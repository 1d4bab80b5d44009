/**
 * Links that put a session into someone's calendar without a file:
 * Google Calendar's and Outlook on the web's "new event" templates, and
 * webcal:// subscriptions. Pure: every value is given, nothing is read.
 */
export interface EventTemplate {
  title: string;
  /** Instants as stored (UTC ISO 8601). */
  startUtc: string;
  endUtc: string;
  /** Plain text; shortened if long, then followed by `url`. */
  details: string;
  /** The session page: the event's location and its last line. */
  url: string;
}

/** Google takes UTC as YYYYMMDDTHHMMSSZ, start/end joined by a slash. */
export function googleCalendarUrl(e: EventTemplate): string {
  return `https://calendar.google.com/calendar/render?${query({
    action: 'TEMPLATE',
    text: e.title,
    dates: `${compactUtc(e.startUtc)}/${compactUtc(e.endUtc)}`,
    details: body(e),
    location: e.url,
  })}`;
}

/** Outlook on the web's compose deep link takes UTC ISO 8601 instants. */
export function outlookCalendarUrl(e: EventTemplate): string {
  return `https://outlook.live.com/calendar/0/deeplink/compose?${query({
    subject: e.title,
    startdt: isoUtc(e.startUtc),
    enddt: isoUtc(e.endUtc),
    body: body(e),
    location: e.url,
    path: '/calendar/action/compose',
    rru: 'addevent',
  })}`;
}

/** The same feed, as a subscription: calendar apps poll webcal:// URLs (over HTTPS when the feed is HTTPS). */
export function webcalUrl(feedUrl: string): string {
  return feedUrl.replace(/^https?:\/\//i, 'webcal://');
}

export function compactUtc(instant: string): string {
  return isoUtc(instant).replace(/[-:]/g, '');
}

function isoUtc(instant: string): string {
  return new Date(instant).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Percent-encoding throughout (never "+" for a space): Outlook's deep link
// shows a "+" literally.
function query(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
}

// Both services refuse very long URLs; the full text is one click away on the session page.
const maxDetails = 600;
function body(e: EventTemplate): string {
  const chars = [...e.details];
  const details = chars.length <= maxDetails ? e.details : `${chars.slice(0, maxDetails - 1).join('')}…`;
  return details ? `${details}\n\n${e.url}` : e.url;
}
