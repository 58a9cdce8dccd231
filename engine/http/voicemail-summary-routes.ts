import type { MailboxTally } from '../store/voicemail-repository.js';
import { jsonResponse } from './api-response.js';
import type { Route } from './route.js';

/** What the mailbox list needs: every user (each has a mailbox) and the message counts per mailbox. */
export interface VoicemailSummaryApi {
  users(): readonly { extension: string; name: string }[];
  counts(): ReadonlyMap<string, MailboxTally>;
}

/** One mailbox in `GET /api/voicemail`. */
export interface MailboxSummary {
  extension: string;
  name: string;
  /** Finished messages in the box. */
  messages: number;
  /** Of those, the ones nobody has listened to yet. */
  unheard: number;
}

/**
 * `GET /api/voicemail`: every user's mailbox with its message counts, in dialling order, from one query
 * (the console's voicemail page lists them without asking each mailbox in turn).
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
          return { extension: u.extension, name: u.name, messages: c?.total ?? 0, unheard: c?.unheard ?? 0 };
        });
        return jsonResponse(200, list);
      },
    },
  ];
}
