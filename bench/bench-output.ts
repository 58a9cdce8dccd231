// Output conventions of `npm run bench`: figures go to stdout, one `name: value unit` line each, so a
// script can read them; everything else (progress, per-run details, diagnostics) goes to stderr.

/** One figure on stdout. Values are rounded to a sensible number of digits for their size. */
export function figure(name: string, value: number, unit = ''): void {
  process.stdout.write(`${name}: ${formatValue(value)}${unit ? ' ' + unit : ''}\n`);
}

/** A progress or diagnostic line on stderr. */
export function note(message: string): void {
  const t = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${t}] ${message}\n`);
}

export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) || Math.abs(value) >= 100) return String(Math.round(value));
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
