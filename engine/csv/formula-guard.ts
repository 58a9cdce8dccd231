/**
 * Spreadsheets run a cell that starts with = + - @ (or tab / CR) as a formula ("CSV injection"), so a
 * user named `=HYPERLINK(…)` could act when an exported file is opened. Export prefixes such values
 * with an apostrophe, which spreadsheets show as text; import removes it again. Values that already
 * start with apostrophes before such a character get one more, so the round trip is exact.
 */
const GUARDED = /^'*[=+\-@\t\r]/;

export function guardFormula(value: string): string {
  return GUARDED.test(value) ? `'${value}` : value;
}

export function unguardFormula(value: string): string {
  return value.startsWith("'") && GUARDED.test(value) ? value.slice(1) : value;
}
