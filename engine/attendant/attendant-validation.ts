import { ValidationError } from '../directory/directory-errors.js';
import {
  DESTINATION_TYPES,
  MENU_KEYS,
  WEEKDAYS,
  type AttendantConfig,
  type AttendantDestination,
  type AttendantMenu,
  type OpeningPeriod,
  type WeeklySchedule,
} from './attendant-config.js';

/** What the rules need to know about the rest of the PBX. */
export interface AttendantCheckContext {
  /** A user with this extension exists. */
  hasExtension(extension: string): boolean;
  /** A prompt by this name exists (shipped or uploaded). */
  hasPrompt(name: string): boolean;
}

const TOP_FIELDS = [
  'extension',
  'enabled',
  'greeting',
  'digits',
  'dialByExtension',
  'onTimeout',
  'onInvalid',
  'operator',
  'timeoutSeconds',
  'maxTries',
  'timeZone',
  'schedule',
  'holidays',
  'afterHours',
] as const;
const MENU_FIELDS = ['greeting', 'digits', 'dialByExtension', 'onTimeout', 'onInvalid'] as const;
const TIME = /^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MAX_HOLIDAYS = 400;
const MAX_PERIODS_PER_DAY = 8;

type Raw = Readonly<Record<string, unknown>>;

function fail(field: string, message: string): never {
  throw new ValidationError(field, `${field}: ${message}`);
}

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

function refuseUnknown(raw: Raw, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(raw))
    if (!known.includes(key))
      fail(`${prefix}${key.slice(0, 40)}`, `unknown field (known fields: ${known.join(', ')})`);
}

/**
 * Applies a `PUT /api/autoattendant` body to the current configuration and checks the result as a whole:
 * fields left out keep their value (in `afterHours` too), every rule names its field, and the first problem
 * is thrown as a ValidationError. The result is a fresh object; `current` is not touched.
 */
export function applyAttendantUpdate(
  current: AttendantConfig,
  body: Raw,
  ctx: AttendantCheckContext,
): AttendantConfig {
  refuseUnknown(body, TOP_FIELDS, '');
  const pick = <K extends keyof AttendantConfig>(k: K): unknown =>
    body[k] !== undefined ? body[k] : current[k];
  const extension = digitsText(pick('extension'), 'extension');
  if (!/^[0-9]{2,15}$/.test(extension))
    fail(
      'extension',
      `must be 2 to 15 digits, such as 800 (feature codes start with *) (got "${clip(extension)}")`,
    );
  if (ctx.hasExtension(extension))
    fail('extension', `${extension} is a user's extension; choose a number no one has`);
  const operatorRaw = pick('operator');
  let operator: string | null = null;
  if (operatorRaw !== null && operatorRaw !== '') {
    operator = digitsText(operatorRaw, 'operator');
    if (!ctx.hasExtension(operator)) fail('operator', `extension ${clip(operator)} does not exist`);
  }
  const timeZone = pick('timeZone');
  if (timeZone !== null && (typeof timeZone !== 'string' || !validTimeZone(timeZone)))
    fail(
      'timeZone',
      `"${clip(String(timeZone))}" is not a time zone such as Europe/Berlin (or null for the PBX's own)`,
    );
  const schedule = checkSchedule(pick('schedule'));
  const holidays = checkHolidays(pick('holidays'));
  const menu = checkMenu({ ...pickMenu(current), ...pickMenu(body) }, '', operator, ctx);
  const afterRaw = body.afterHours;
  if (afterRaw !== undefined && !isObject(afterRaw))
    fail('afterHours', 'must be an object with greeting, digits, dialByExtension, onTimeout, onInvalid');
  if (afterRaw !== undefined) refuseUnknown(afterRaw as Raw, MENU_FIELDS, 'afterHours.');
  const afterHours = checkMenu(
    { ...pickMenu(current.afterHours), ...pickMenu((afterRaw as Raw | undefined) ?? {}) },
    'afterHours.',
    operator,
    ctx,
  );
  return {
    extension,
    enabled: bool(pick('enabled'), 'enabled'),
    ...menu,
    operator,
    timeoutSeconds: number(pick('timeoutSeconds'), 'timeoutSeconds', 1, 30, false),
    maxTries: number(pick('maxTries'), 'maxTries', 1, 10, true),
    timeZone: timeZone as string | null,
    schedule,
    holidays,
    afterHours,
  };
}

/** Where the configuration names an extension (for "may this user be deleted?"), e.g. `digits.1`. */
export function extensionReferences(config: AttendantConfig, extension: string): string[] {
  const out: string[] = [];
  if (config.operator === extension) out.push('operator');
  const menu = (m: AttendantMenu, prefix: string): void => {
    for (const [key, d] of Object.entries(m.digits))
      if ('extension' in d && d.extension === extension) out.push(`${prefix}digit ${key}`);
    if ('extension' in m.onTimeout && m.onTimeout.extension === extension) out.push(`${prefix}onTimeout`);
    if ('extension' in m.onInvalid && m.onInvalid.extension === extension) out.push(`${prefix}onInvalid`);
  };
  menu(config, '');
  menu(config.afterHours, 'after-hours ');
  return out;
}

export function validTimeZone(zone: string): boolean {
  if (zone === '' || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function pickMenu(raw: Raw | AttendantMenu): Partial<Record<(typeof MENU_FIELDS)[number], unknown>> {
  const out: Partial<Record<(typeof MENU_FIELDS)[number], unknown>> = {};
  const r = raw as Raw;
  for (const f of MENU_FIELDS) if (r[f] !== undefined) out[f] = r[f];
  return out;
}

function checkMenu(
  raw: Partial<Record<(typeof MENU_FIELDS)[number], unknown>>,
  prefix: string,
  operator: string | null,
  ctx: AttendantCheckContext,
): AttendantMenu {
  const greeting = raw.greeting;
  if (typeof greeting !== 'string' || greeting === '')
    fail(`${prefix}greeting`, 'must be the name of a prompt, such as aa-welcome');
  if (!ctx.hasPrompt(greeting as string))
    fail(`${prefix}greeting`, `there is no prompt "${clip(String(greeting))}" (see GET /api/prompts)`);
  const digitsRaw = raw.digits;
  if (!isObject(digitsRaw))
    fail(
      `${prefix}digits`,
      'must be an object of keys to destinations, such as {"1": {"type": "extension", "extension": "201"}}',
    );
  const digits: Record<string, AttendantDestination> = {};
  for (const [key, value] of Object.entries(digitsRaw as Raw)) {
    const field = `${prefix}digits.${key.slice(0, 20)}`;
    if (key.length !== 1 || !MENU_KEYS.includes(key))
      fail(field, 'a menu key must be one of 0-9 or * (# ends a typed extension)');
    digits[key] = checkDestination(value, field, operator, ctx);
  }
  return {
    greeting: greeting as string,
    digits,
    dialByExtension: bool(raw.dialByExtension, `${prefix}dialByExtension`),
    onTimeout: checkDestination(raw.onTimeout, `${prefix}onTimeout`, operator, ctx),
    onInvalid: checkDestination(raw.onInvalid, `${prefix}onInvalid`, operator, ctx),
  };
}

function checkDestination(
  raw: unknown,
  field: string,
  operator: string | null,
  ctx: AttendantCheckContext,
): AttendantDestination {
  if (!isObject(raw))
    fail(
      field,
      `must be a destination such as {"type": "extension", "extension": "201"} (types: ${DESTINATION_TYPES.join(', ')})`,
    );
  const d = raw as Raw;
  const type = d.type;
  switch (type) {
    case 'extension':
    case 'voicemail': {
      refuseUnknown(d, ['type', 'extension'], `${field}.`);
      if (d.extension === undefined) fail(field, `a ${type} destination needs "extension"`);
      const extension = digitsText(d.extension, field);
      if (!ctx.hasExtension(extension)) fail(field, `extension ${clip(extension)} does not exist`);
      return { type, extension };
    }
    case 'operator':
      refuseUnknown(d, ['type'], `${field}.`);
      // A key that sends to "the operator" needs one; timeout and invalid destinations fall back to goodbye.
      if (operator === null && /digits\.[^.]+$/.test(field))
        fail(field, 'no operator is set (set "operator" to an extension first)');
      return { type };
    case 'hangup':
      refuseUnknown(d, ['type'], `${field}.`);
      return { type };
    default:
      return fail(
        field,
        `unknown destination type "${clip(String(type))}" (types: ${DESTINATION_TYPES.join(', ')})`,
      );
  }
}

function checkSchedule(raw: unknown): WeeklySchedule | null {
  if (raw === null) return null;
  if (!isObject(raw))
    fail(
      'schedule',
      'must be null (always open) or opening hours per day, such as {"mon": [{"from": "09:00", "to": "17:00"}]}',
    );
  const r = raw as Raw;
  refuseUnknown(r, WEEKDAYS, 'schedule.');
  const out: WeeklySchedule = {};
  for (const day of WEEKDAYS) {
    const periods = r[day];
    if (periods === undefined) continue;
    if (!Array.isArray(periods) || periods.length > MAX_PERIODS_PER_DAY)
      fail(
        `schedule.${day}`,
        `must be a list of up to ${MAX_PERIODS_PER_DAY} periods {"from": "09:00", "to": "17:00"} ([] for closed)`,
      );
    const list: OpeningPeriod[] = [];
    (periods as unknown[]).forEach((p, i) => {
      const field = `schedule.${day}.${i}`;
      if (!isObject(p)) fail(field, 'must be {"from": "HH:MM", "to": "HH:MM"}');
      const period = p as Raw;
      refuseUnknown(period, ['from', 'to'], `${field}.`);
      for (const k of ['from', 'to'] as const) {
        const v = period[k];
        if (typeof v !== 'string' || !TIME.test(v) || (k === 'from' && v === '24:00'))
          fail(`${field}.${k}`, `must be a time HH:MM such as 09:00 (got ${clip(JSON.stringify(v) ?? '')})`);
      }
      if ((period.from as string) >= (period.to as string))
        fail(`${field}.to`, `must be later than from (${period.from as string})`);
      list.push({ from: period.from as string, to: period.to as string });
    });
    out[day] = list;
  }
  return out;
}

function checkHolidays(raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.length > MAX_HOLIDAYS)
    fail('holidays', `must be a list of up to ${MAX_HOLIDAYS} dates such as "2025-12-25"`);
  const out = new Set<string>();
  (raw as unknown[]).forEach((v, i) => {
    const m = typeof v === 'string' ? DATE.exec(v) : null;
    const [y, mo, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (!m || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d)
      fail(
        `holidays.${i}`,
        `must be a date YYYY-MM-DD such as 2025-12-25 (got ${clip(JSON.stringify(v) ?? '')})`,
      );
    out.add(v as string);
  });
  return [...out].sort();
}

function digitsText(raw: unknown, field: string): string {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return String(raw);
  if (typeof raw !== 'string') return fail(field, 'must be an extension number as text, such as "201"');
  return raw.trim();
}

function bool(raw: unknown, field: string): boolean {
  if (typeof raw !== 'boolean') fail(field, 'must be true or false');
  return raw as boolean;
}

function number(raw: unknown, field: string, min: number, max: number, integer: boolean): number {
  if (
    typeof raw !== 'number' ||
    !Number.isFinite(raw) ||
    (integer && !Number.isInteger(raw)) ||
    raw < min ||
    raw > max
  )
    fail(field, `must be a ${integer ? 'whole ' : ''}number from ${min} to ${max}`);
  return raw as number;
}

function clip(v: string): string {
  return v.length > 20 ? `${v.slice(0, 20)}…` : v;
}
