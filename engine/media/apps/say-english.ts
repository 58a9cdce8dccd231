/**
 * English read-outs assembled from the shipped prompts (prompts/en/README.md): each function returns the
 * prompt names to play, e.g. `call.play(['vm-you-have', ...sayNumber(3), 'vm-new-messages'])`.
 */

/** A whole number 0 … 999,999 as words: 21 → 20 1; 305 → 3 hundred 5; 1200 → 1 thousand 2 hundred. */
export function sayNumber(n: number): string[] {
  if (!Number.isInteger(n) || n < 0 || n > 999_999) throw new RangeError(`cannot read out ${n}`);
  if (n < 1000) return belowThousand(n, true);
  const out = [...belowThousand(Math.floor(n / 1000), true), 'thousand'];
  if (n % 1000) out.push(...belowThousand(n % 1000, false));
  return out;
}

function belowThousand(n: number, sayZero: boolean): string[] {
  if (n === 0) return sayZero ? ['0'] : [];
  const out: string[] = [];
  if (n >= 100) {
    out.push(String(Math.floor(n / 100)), 'hundred');
    n %= 100;
  }
  if (n >= 20) {
    out.push(String(n - (n % 10)));
    if (n % 10) out.push(String(n % 10));
  } else if (n > 0) out.push(String(n));
  return out;
}

/** Digit by digit, as an extension or a phone number is read: "201" → 2 0 1; * and # by name. */
export function sayDigits(s: string): string[] {
  const out: string[] = [];
  for (const ch of s) {
    if (ch >= '0' && ch <= '9') out.push(ch);
    else if (ch === '*') out.push('star');
    else if (ch === '#') out.push('pound');
  }
  return out;
}

/** "Tuesday, March twenty first" — or "today" / "yesterday" relative to `now`, in local time. */
export function sayDate(d: Date, now: Date = new Date()): string[] {
  const day = (x: Date): number => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const diff = Math.round((day(now) - day(d)) / 86_400_000);
  if (diff === 0) return ['today'];
  if (diff === 1) return ['yesterday'];
  return [`day-${d.getDay()}`, `month-${d.getMonth() + 1}`, `ord-${d.getDate()}`];
}

/** "3 45 P M", "12 oh 5 A M", "9 o'clock A M", in local time. */
export function sayTime(d: Date): string[] {
  const h24 = d.getHours();
  const m = d.getMinutes();
  const h = h24 % 12 === 0 ? 12 : h24 % 12;
  const out = sayNumber(h);
  if (m === 0) out.push('oclock');
  else if (m < 10) out.push('oh', String(m));
  else out.push(...sayNumber(m));
  out.push(h24 < 12 ? 'am' : 'pm');
  return out;
}

/** "Tuesday, March twenty first at 3 45 P M". */
export function sayDateTime(d: Date, now: Date = new Date()): string[] {
  return [...sayDate(d, now), 'at', ...sayTime(d)];
}
