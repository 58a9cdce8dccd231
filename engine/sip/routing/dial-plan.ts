import type { VoicemailSettings } from '../../store/voicemail-settings-repository.js';

/** Where a call to an extension goes when the extension cannot take it (RFC 5806 reasons). */
export interface VoicemailDiversion {
  /** The voicemail application's URI for the extension's mailbox. */
  uri: string;
  /** The mailbox (the extension called). */
  mailbox: string;
  settings: VoicemailSettings;
}

/** What the dial plan decided for a request-URI user part. */
export type RouteDecision =
  | { kind: 'extension'; extension: string; voicemail?: VoicemailDiversion }
  | {
      kind: 'application';
      uri: string;
      /** What the call is for, as the call log shows it ('voicemail', 'mailbox', …). */
      service: string;
      /** A call straight into someone's voicemail: its record says VOICEMAIL. */
      voicemail: boolean;
    }
  | { kind: 'reject'; status: number; reason: string };

export interface DialPlanSources {
  hasExtension(extension: string): boolean;
  /** The media applications' URI for a service (undefined while they are not listening). */
  applicationUri?(service: string, argument?: string): string | undefined;
  /** The user's voicemail rules; undefined: no voicemail for this extension. */
  voicemailSettings?(extension: string): VoicemailSettings | undefined;
  /** The auto-attendant's extension, when it is on. */
  autoAttendantExtension?(): string | undefined;
}

/** Feature codes a phone user dials. Extensions cannot start with * (user validation), so none collide. */
export const FEATURE_CODES = Object.freeze({
  /** Listen to one's own mailbox (asks for the PIN). */
  ownMailbox: '*97',
  /** Listen to any mailbox (asks for the mailbox number, then its PIN). */
  anyMailbox: '*98',
  /** Sound check: what you say comes back. */
  echo: '*43',
  /** `*201`: leave a message for 201 without ringing them. */
  voicemailPrefix: '*',
});

/**
 * The dial plan: maps what was dialled to a destination — local extensions (with their voicemail rules),
 * feature codes and the auto-attendant, which are media applications reached by URI. It is the one place
 * that grows ring groups and trunks; the proxy core only executes its decisions.
 */
export class DialPlan {
  constructor(private readonly d: DialPlanSources) {}

  /** `caller` is the authenticated extension of the caller, when there is one. */
  route(dialled: string, caller?: string): RouteDecision {
    const digits = normalizeDialled(dialled);
    if (digits === '') return NOT_FOUND;
    if (digits.startsWith('*')) return this.featureCode(digits, caller);
    if (digits === this.d.autoAttendantExtension?.()) return this.application('autoattendant', undefined);
    if (!this.d.hasExtension(digits)) return NOT_FOUND;
    const settings = this.d.voicemailSettings?.(digits);
    const uri = settings ? this.d.applicationUri?.('voicemail', digits) : undefined;
    if (!settings || uri === undefined) return { kind: 'extension', extension: digits };
    return { kind: 'extension', extension: digits, voicemail: { uri, mailbox: digits, settings } };
  }

  private featureCode(code: string, caller: string | undefined): RouteDecision {
    switch (code) {
      case FEATURE_CODES.ownMailbox:
        // Only a known caller has a box of their own; anyone else is asked for the box number.
        return caller !== undefined && this.d.hasExtension(caller)
          ? this.application('mailbox', caller)
          : this.application('mailbox', undefined);
      case FEATURE_CODES.anyMailbox:
        return this.application('mailbox', undefined);
      case FEATURE_CODES.echo:
        return this.application('echo', undefined);
    }
    const mailbox = code.slice(FEATURE_CODES.voicemailPrefix.length);
    if (/^[0-9]+$/.test(mailbox) && this.d.hasExtension(mailbox)) {
      const d = this.application('voicemail', mailbox);
      return d.kind === 'application' ? { ...d, voicemail: true } : d;
    }
    return NOT_FOUND;
  }

  private application(service: string, argument: string | undefined): RouteDecision {
    const uri = this.d.applicationUri?.(service, argument);
    if (uri === undefined) return { kind: 'reject', status: 503, reason: 'Service Unavailable' };
    return { kind: 'application', uri, service, voicemail: false };
  }
}

const NOT_FOUND: RouteDecision = { kind: 'reject', status: 404, reason: 'Not Found' };

/** Phones send what the user typed; strip visual separators some keypads and softphones add. */
export function normalizeDialled(s: string): string {
  return s.replace(/[\s\-().]/g, '');
}
