/**
 * MAC addresses as phones write them in file names and as people type them: `00:15:65:AB:CD:EF`,
 * `00-15-65-ab-cd-ef`, `0015.65ab.cdef`, `001565abcdef`. Stored and compared as 12 lower-case hex digits.
 */
export function normalizeMac(input: string): string | null {
  const hex = input
    .trim()
    .replace(/[:\-.\s]/g, '')
    .toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(hex)) return null;
  return hex;
}

/** `00:15:65:ab:cd:ef`, for people. */
export function formatMac(mac: string): string {
  return mac.replace(/(..)(?!$)/g, '$1:');
}

/** The all-zero MAC is Polycom's name for its default master file, never a phone. */
export const ZERO_MAC = '000000000000';
