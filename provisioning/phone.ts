/** The phone families OfficePBX writes configuration files for. */
export const VENDORS = ['yealink', 'polycom', 'grandstream', 'snom', 'cisco'] as const;
export type Vendor = (typeof VENDORS)[number];

export function isVendor(v: unknown): v is Vendor {
  return typeof v === 'string' && (VENDORS as readonly string[]).includes(v);
}

/** One SIP account on a phone: line (key) number → extension. */
export interface PhoneLine {
  /** 1-based, as the phone numbers its accounts. */
  line: number;
  extension: string;
}

/** `discovered`: it asked for a file or sent a PnP SUBSCRIBE; `assigned`: an admin gave it lines. */
export type PhoneState = 'discovered' | 'assigned';

/** One request a phone made (TFTP, HTTP or PnP), kept for its page in the console. */
export interface PhoneRequest {
  time: number;
  protocol: 'tftp' | 'http' | 'pnp';
  /** File name, or `SUBSCRIBE ua-profile`. */
  path: string;
  /** What it got: `ok`, `ok (no secrets)`, `common`, `denied`, `not found`, … */
  outcome: string;
  source: string;
  userAgent: string;
}

export interface Phone {
  /** 12 lower-case hex digits. */
  mac: string;
  /** '' when not known yet. */
  vendor: Vendor | '';
  model: string;
  /** Free text for the admin ("Reception"). */
  label: string;
  lines: PhoneLine[];
  state: PhoneState;
  /**
   * Per-phone HTTP digest credentials for its file over HTTP; '' = none. With them the phone's file (with
   * SIP passwords) is served over HTTP only to a request that proves them.
   */
  httpUser: string;
  httpPassword: string;
  /**
   * Until when (ms since the epoch) the phone's file carries SIP passwords to requests without its HTTP
   * credentials (TFTP, HTTP without auth); null = no window open. Opened on assignment and on "re-provision".
   */
  provisionUntil: number | null;
  lastProvisioned: number | null;
  lastSeen: number | null;
  /** Last User-Agent and source address seen. */
  userAgent: string;
  address: string;
  createdAt: number;
  updatedAt: number;
}
