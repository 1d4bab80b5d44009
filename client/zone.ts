/** The zone the browser runs in, or undefined where Intl cannot tell. */
export function browserTimeZone(): string | undefined {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return zone || undefined;
  } catch {
    return undefined;
  }
}

const yearSeconds = 365 * 24 * 3600;

export function rememberZone(zone: string): void {
  document.cookie = `tz=${encodeURIComponent(zone)}; Max-Age=${yearSeconds}; Path=/; SameSite=Lax`;
}
