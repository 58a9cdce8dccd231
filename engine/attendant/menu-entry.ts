import type { AttendantDestination, AttendantMenu } from './attendant-config.js';

/** What to do with what the caller has typed so far. */
export type EntryDecision =
  | { kind: 'go'; destination: AttendantDestination }
  /** Wait for another key; `ambiguous`: the entry is already a menu key that a pause would choose. */
  | { kind: 'wait'; ambiguous: boolean }
  | { kind: 'invalid' };

/**
 * Reads a menu entry key by key. A menu key acts at once unless dial-by-extension could still make it the
 * start of an extension (key 1 with extension 101): then it waits, and a pause or `#` chooses the key.
 * A typed number goes as soon as it is an extension that no longer one starts with, and is refused as soon
 * as no extension can start with it (the caller hears "not valid" without waiting for a timeout).
 *
 * `complete`: the caller pressed `#` or paused, so the entry is all there is.
 */
export function decideEntry(
  entry: string,
  complete: boolean,
  menu: AttendantMenu,
  operator: string | null,
  extensions: readonly string[],
): EntryDecision {
  if (entry === '') return complete ? { kind: 'invalid' } : { kind: 'wait', ambiguous: false };
  const key = entry.length === 1 ? menuKey(entry, menu, operator) : undefined;
  const numbers = menu.dialByExtension ? extensions : [];
  const exact = numbers.includes(entry);
  const longer = numbers.some((e) => e.length > entry.length && e.startsWith(entry));
  if (complete || !longer) {
    if (key) return { kind: 'go', destination: key };
    if (exact) return { kind: 'go', destination: { type: 'extension', extension: entry } };
    if (!longer || complete) return { kind: 'invalid' };
  }
  return { kind: 'wait', ambiguous: key !== undefined || exact };
}

/** A single key's destination: the digit map, else `0` for the operator when there is one. */
export function menuKey(
  key: string,
  menu: AttendantMenu,
  operator: string | null,
): AttendantDestination | undefined {
  const mapped = menu.digits[key];
  if (mapped) return mapped;
  if (key === '0' && operator !== null) return { type: 'operator' };
  return undefined;
}
