import type { MailboxTally } from '../store/voicemail-repository.js';
import { jsonResponse } from './api-response.js';
import type { Route } from './route.js';

/** What the mailbox list needs: every user (each has a mailbox), the message counts, the greetings. */
export interface VoicemailSummaryApi {
  users(): readonly { extension: string; name: string }[];
  counts(): ReadonlyMap<string, MailboxTally>;
  /** Whether the mailbox has its owner's own greeting (recorded by phone or uploaded). */
  hasGreeting(extension: string): boolean;
}

/** One mailbox in `GET /api/voicemail`. */
export interface MailboxSummary {
  extension: string;
  name: string;
  /** Finished messages in the box. */
  messages: number;
  /** Of those, the ones nobody has listened to yet. */
  unheard: number;
  /** Callers hear the owner's own greeting; false: the standard one that reads out the extension. */
  greeting: boolean;
}

/**
 * `GET /api/voicemail`: every user's mailbox with its message counts (one query) and whether it has its
 * own greeting, in dialling order: the console's voicemail pages read this instead of each mailbox in turn.
 */
export function voicemailSummaryRoutes(api: VoicemailSummaryApi): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/voicemail',
      handle: () => {
        const counts = api.counts();
        const list: MailboxSummary[] = api.users().map((u) => {
          const c = counts.get(u.extension);
          return {
            extension: u.extension,
            name: u.name,
            messages: c?.total ?? 0,
            unheard: c?.unheard ?? 0,
            greeting: api.hasGreeting(u.extension),
          };
        });
        return jsonResponse(200, list);
      },
    },
  ];
}
