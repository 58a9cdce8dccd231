import type { PhoneLine, PhoneRequest, PhoneState, Vendor } from './phone.js';

/** A phone as `/api/phones` shows it (times ISO 8601; the HTTP password is never shown). */
export interface PhoneView {
  /** 12 lower-case hex digits: the key in `/api/phones/:mac`. */
  mac: string;
  /** `00:15:65:12:34:56`. */
  macFormatted: string;
  vendor: Vendor | '';
  model: string;
  label: string;
  state: PhoneState;
  lines: PhoneLine[];
  /** The lines' extensions, in line order. */
  extensions: string[];
  httpUser: string;
  httpPasswordSet: boolean;
  provisionUntil: string | null;
  /** Whether its file carries SIP passwords to a request without its HTTP credentials right now. */
  provisioningWindowOpen: boolean;
  /** Last time it received its own file with passwords. */
  lastProvisioned: string | null;
  lastSeen: string | null;
  userAgent: string;
  /** Address it last asked from. */
  address: string;
  /** The name it asks for its own file by, and its URL; null while its make is unknown. */
  fileName: string | null;
  fileUrl: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One request, as `GET /api/phones/:mac` lists them (newest first, at most 50). */
export type PhoneRequestView = Omit<PhoneRequest, 'time'> & { time: string };

/** `GET /api/phones/:mac`. */
export interface PhoneDetailView extends PhoneView {
  requests: PhoneRequestView[];
}

/** `GET /api/phones/:mac/config`: the generated file with passwords as `********`. */
export interface PhoneConfigPreview {
  name: string;
  contentType: string;
  body: string;
}

/** `GET /api/provisioning`: what the console's provisioning page shows. */
export interface ProvisioningInfo {
  advertise: string;
  /** Base URL of the HTTP provisioning server, ending in `/`. */
  provisioningUrl: string;
  /** Listener address, or `unavailable (CODE)`. */
  tftp: string;
  http: string;
  pnp:
    | { enabled: true; listener: string; interface: string | null; otherServers: string[] }
    | { enabled: false };
  windowMinutes: number;
  timeZone: string;
  voicemailNumber: string;
  /** Values to enter in the office router's DHCP server. */
  dhcp: { option66: string; option66Tftp: string; option160: string; option150: string };
}
