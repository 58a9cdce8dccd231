/** How times, durations and quality read in the console. */

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(rest)}` : `${m}:${two(rest)}`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** "3 minutes ago", "in 45 seconds". */
export function formatRelative(iso: string, now = Date.now()): string {
  const diff = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(diff);
  if (abs < 5) return 'just now';
  const [value, unit] =
    abs < 60
      ? [abs, 'second']
      : abs < 3600
        ? [Math.round(abs / 60), 'minute']
        : abs < 86400
          ? [Math.round(abs / 3600), 'hour']
          : [Math.round(abs / 86400), 'day'];
  const text = `${value} ${unit}${value === 1 ? '' : 's'}`;
  return diff < 0 ? `${text} ago` : `in ${text}`;
}

export function lossPercent(packets: number, lost: number): string {
  const expected = packets + lost;
  if (expected === 0) return '—';
  return `${((100 * lost) / expected).toFixed(lost === 0 ? 0 : 1)}%`;
}

/** A `YYYY-MM-DD` date input's value as the start of that local day, ISO 8601 for the API. */
export function dayStart(date: string): string | undefined {
  if (date === '') return undefined;
  const d = new Date(`${date}T00:00:00`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The start of the day after a `YYYY-MM-DD` date (an inclusive "to" date). */
export function dayAfter(date: string): string | undefined {
  if (date === '') return undefined;
  const d = new Date(`${date}T00:00:00`);
  if (Number.isNaN(d.getTime())) return undefined;
  d.setDate(d.getDate() + 1);
  return d.toISOString();
}
