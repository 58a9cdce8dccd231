/**
 * Where a caller of the auto-attendant goes. A tagged union so that later kinds (a ring group, another
 * menu) are one more member: `{ type: 'ringGroup', group }` needs a case in the validator and the app.
 */
export type AttendantDestination =
  | { type: 'extension'; extension: string }
  /** Straight into that user's mailbox (`*<extension>` in the dial plan). */
  | { type: 'voicemail'; extension: string }
  /** The configured operator extension; with none set, the caller hears goodbye. */
  | { type: 'operator' }
  /** "Goodbye", then the call ends. */
  | { type: 'hangup' };

export const DESTINATION_TYPES = ['extension', 'voicemail', 'operator', 'hangup'] as const;
export type DestinationType = AttendantDestination['type'];

/** A single key of the caller's keypad that the menu acts on at once. */
export const MENU_KEYS = '0123456789*';

/** What the caller hears and can press in one mode (office open, or after hours). */
export interface AttendantMenu {
  /** A prompt name (shipped, or uploaded with `PUT /api/prompts/:name`). */
  greeting: string;
  /** Single keys to destinations; `0` goes to the operator unless mapped here. */
  digits: Record<string, AttendantDestination>;
  /** Whether a caller may type any extension number (ended by `#` or a pause). */
  dialByExtension: boolean;
  /** After `maxTries` greetings without a key. */
  onTimeout: AttendantDestination;
  /** After `maxTries` entries that lead nowhere. */
  onInvalid: AttendantDestination;
}

/** From `HH:MM` (inclusive) to `HH:MM` (exclusive, `24:00` allowed) in the attendant's time zone. */
export interface OpeningPeriod {
  from: string;
  to: string;
}

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Opening hours per weekday; a day left out or given `[]` is closed all day. */
export type WeeklySchedule = Partial<Record<Weekday, OpeningPeriod[]>>;

/** The auto-attendant as stored (JSON in the settings table) and as `GET /api/autoattendant` shows it. */
export interface AttendantConfig extends AttendantMenu {
  /** The internal number that reaches it (2–15 digits, not a user's extension). */
  extension: string;
  /** When false, calls to it are refused (480). */
  enabled: boolean;
  /** The operator's extension, or null for none (then `0` is not a valid choice unless mapped). */
  operator: string | null;
  /** Seconds to wait for the first key after the greeting. */
  timeoutSeconds: number;
  /** Greetings played before the timeout / invalid destination applies. */
  maxTries: number;
  /** IANA zone the schedule is read in; null: the engine's `--time-zone`. */
  timeZone: string | null;
  /** Opening hours; null: always open (the after-hours menu is never used). */
  schedule: WeeklySchedule | null;
  /** Dates (`YYYY-MM-DD`, in the attendant's zone) when the office is closed all day. */
  holidays: string[];
  /** The menu out of hours and on holidays. */
  afterHours: AttendantMenu;
}

/**
 * Out of the box: extension 800, the shipped greetings, dial-by-extension, always open. No operator is
 * chosen for the office (guessing a person would send callers to whoever was created first), so `0` is
 * not valid and the timeout and invalid destinations, "the operator", end in goodbye until one is set.
 */
export function defaultAttendantConfig(): AttendantConfig {
  return {
    extension: '800',
    enabled: true,
    greeting: 'aa-welcome',
    digits: {},
    dialByExtension: true,
    onTimeout: { type: 'operator' },
    onInvalid: { type: 'operator' },
    operator: null,
    timeoutSeconds: 5,
    maxTries: 3,
    timeZone: null,
    schedule: null,
    holidays: [],
    afterHours: {
      greeting: 'aa-closed',
      digits: {},
      dialByExtension: true,
      onTimeout: { type: 'operator' },
      onInvalid: { type: 'operator' },
    },
  };
}
