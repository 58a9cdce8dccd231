import type { UserDirectory } from '../directory/user-directory.js';
import type { Logger } from '../log/index.js';
import type { CdrRepository } from '../store/cdr-repository.js';
import type { SettingsStore } from '../store/settings-store.js';
import type { ApiSources } from './api-sources.js';
import type { AttendantApi } from './autoattendant-routes.js';
import type { LiveEvents } from './live-events.js';
import type { PhoneApi } from './phone-routes.js';
import type { PromptApi } from './prompt-routes.js';
import type { VoicemailApi } from './voicemail-routes.js';
import type { VoicemailSettingsApi } from './voicemail-settings-routes.js';
import type { VoicemailSummaryApi } from './voicemail-summary-routes.js';

export interface ApiServerOptions {
  /** Category `api`: one debug line per request. */
  log: Logger;
  directory: UserDirectory;
  settings: SettingsStore;
  sources: ApiSources;
  /** Call detail records behind `/api/cdr`; without it those routes answer 503. */
  cdr?: CdrRepository | undefined;
  /** Stored (hashed) on `listen()` only when no admin password exists yet. */
  adminPasswordOnFirstRun?: string | undefined;
  /** Largest request body; 1 MiB by default. */
  bodyLimitBytes?: number;
  /** How long a verified admin password is remembered; 60 s by default. */
  authCacheMs?: number;
  /** The built console (Vite's output); without it only the API is served. */
  consoleDir?: string | undefined;
  /** Change notifications streamed to the console at `/api/events`. */
  events?: LiveEvents | undefined;
  /** Console session lifetime: idle minutes before a login ends (30 by default). */
  sessionIdleMinutes?: number | undefined;
  /** The address phones use now, and where the first-run wizard stores a new one. */
  advertise?: (() => string) | undefined;
  saveAdvertise?: ((address: string) => void) | undefined;
  /** Provisioned and discovered phones behind `/api/phones`; without it those routes are absent. */
  phones?: PhoneApi | undefined;
  /** Mailboxes behind `/api/voicemail`; without it those routes are absent. */
  voicemail?: VoicemailApi | undefined;
  /** The auto-attendant's configuration behind `/api/autoattendant`; without it those routes are absent. */
  autoattendant?: AttendantApi | undefined;
  /** Replaceable prompts behind `/api/prompts`; without it those routes are absent. */
  prompts?: PromptApi | undefined;
  /** Per-user voicemail rules behind `/api/voicemail/:extension/settings`. */
  voicemailSettings?: VoicemailSettingsApi | undefined;
  /** Every mailbox with its counts behind `GET /api/voicemail` (the console's voicemail page). */
  voicemailSummary?: VoicemailSummaryApi | undefined;
}
