/** What the dial plan decided for a request-URI user part. */
export type RouteDecision =
  { kind: 'extension'; extension: string } | { kind: 'reject'; status: number; reason: string };

export interface ExtensionLookup {
  hasExtension(extension: string): boolean;
}

/**
 * The dial plan: maps what was dialled to a destination. Today: local extensions. It is the one place that
 * grows feature codes, voicemail, the auto-attendant, ring groups and trunks; the proxy core only executes
 * its decisions.
 */
export class DialPlan {
  constructor(private readonly directory: ExtensionLookup) {}

  route(dialled: string): RouteDecision {
    const digits = normalizeDialled(dialled);
    if (digits !== '' && this.directory.hasExtension(digits)) return { kind: 'extension', extension: digits };
    return { kind: 'reject', status: 404, reason: 'Not Found' };
  }
}

/** Phones send what the user typed; strip visual separators some keypads and softphones add. */
export function normalizeDialled(s: string): string {
  return s.replace(/[\s\-().]/g, '');
}
