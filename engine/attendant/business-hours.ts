import { WEEKDAYS, type AttendantConfig, type Weekday } from './attendant-config.js';

/** A moment as a wall clock in some zone: the date, weekday and time the schedule is written in. */
export interface WallClock {
  date: string; // YYYY-MM-DD
  weekday: Weekday;
  time: string; // HH:MM
}

export function wallClock(at: Date, timeZone: string): WallClock {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (t: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === t)?.value ?? '';
  const weekday = get('weekday').toLowerCase().slice(0, 3) as Weekday;
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    weekday: WEEKDAYS.includes(weekday) ? weekday : 'sun',
    time: `${get('hour')}:${get('minute')}`,
  };
}

/**
 * Whether the office is open at `at`: always without a schedule; never on a holiday; otherwise when the
 * wall-clock time falls in one of the day's periods (`from` inclusive, `to` exclusive). A day the schedule
 * leaves out is closed. `defaultZone` is the engine's zone, used when the attendant names none.
 */
export function isOpen(
  config: Pick<AttendantConfig, 'schedule' | 'holidays' | 'timeZone'>,
  at: Date,
  defaultZone: string,
): boolean {
  if (config.schedule === null) return true;
  const now = wallClock(at, config.timeZone ?? defaultZone);
  if (config.holidays.includes(now.date)) return false;
  return (config.schedule[now.weekday] ?? []).some((p) => p.from <= now.time && now.time < p.to);
}
