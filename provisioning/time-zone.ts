/** Offset of `timeZone` from UTC at `at`, in minutes east of Greenwich (Intl's `longOffset`, e.g. GMT+05:30). */
function offsetAt(timeZone: string, at: Date): number {
  const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part ?? '');
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/**
 * The standard (winter) offset: phones apply daylight saving time by their own rules, so they are given the
 * smaller of the January and July offsets (summer time always adds).
 */
export function standardOffsetMinutes(timeZone: string, year = new Date().getUTCFullYear()): number {
  return Math.min(
    offsetAt(timeZone, new Date(Date.UTC(year, 0, 1))),
    offsetAt(timeZone, new Date(Date.UTC(year, 6, 1))),
  );
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
