import type { Logger } from '../log/index.js';
import type { SettingsStore } from '../store/settings-store.js';
import { defaultAttendantConfig, type AttendantConfig } from './attendant-config.js';
import { applyAttendantUpdate, type AttendantCheckContext } from './attendant-validation.js';

/** The settings key holding the configuration as JSON. */
export const ATTENDANT_SETTING = 'autoattendant';

/**
 * The auto-attendant's configuration: read once from the settings table, kept in memory (a call reads it
 * without touching the database), and written through on every accepted change. Nothing stored means the
 * defaults; a stored configuration from an older version gets the defaults for fields it lacks.
 */
export class AttendantStore {
  private config: AttendantConfig;

  constructor(
    private readonly settings: SettingsStore,
    private readonly log: Logger,
  ) {
    this.config = this.load();
  }

  get current(): AttendantConfig {
    return this.config;
  }

  /** Validates `body` over the current configuration, stores and returns the result; throws ValidationError. */
  update(body: Readonly<Record<string, unknown>>, ctx: AttendantCheckContext): AttendantConfig {
    const next = applyAttendantUpdate(this.config, body, ctx);
    this.settings.set(ATTENDANT_SETTING, JSON.stringify(next));
    this.config = next;
    this.log.info('auto-attendant configuration changed', { fields: Object.keys(body) });
    return next;
  }

  private load(): AttendantConfig {
    const defaults = defaultAttendantConfig();
    const raw = this.settings.get(ATTENDANT_SETTING);
    if (raw === undefined) return defaults;
    try {
      const stored = JSON.parse(raw) as Partial<AttendantConfig>;
      return {
        ...defaults,
        ...stored,
        afterHours: { ...defaults.afterHours, ...(stored.afterHours ?? {}) },
      };
    } catch (err) {
      // Written by us, so this means a damaged database: keep answering calls with the defaults.
      this.log.error('stored auto-attendant configuration is unreadable: using the defaults', { err });
      return defaults;
    }
  }
}
