/** One registered contact as the API shows it. */
export interface RegistrationView {
  extension: string;
  contact: string;
  /** Where the REGISTER came from, `address:port`. */
  source: string;
  transport: string;
  userAgent: string;
  /** Seconds left. */
  expires: number;
  /** ISO 8601. */
  expiresAt: string;
  /** ISO 8601. */
  registeredAt: string;
  /** null until the first keep-alive answered or failed. */
  reachable: boolean | null;
}

/** A source address the SIP layer blocked after repeated failed logins. */
export interface BlockedAddressView {
  address: string;
  failures: number;
  /** ISO 8601; null when it is only being watched (failures counted, not blocked yet). */
  blockedUntil: string | null;
}

export interface HealthView {
  ok: boolean;
  /** Listener name → 'up' | 'down' | its address. */
  listeners: Record<string, string>;
}

/** What the API reads from the rest of the engine; the engine supplies it, tests stub it. */
export interface ApiSources {
  health(): HealthView;
  registrations(): RegistrationView[];
  blockedAddresses(): BlockedAddressView[];
  /** false when the address was not blocked. */
  unblockAddress(address: string): boolean;
  /** Calls in progress, with live media statistics where the relay has them. */
  calls(): unknown[] | Promise<unknown[]>;
  /** The dashboard's summary (see EngineStatus). */
  status(): unknown;
  /** The SIP messages kept for a recent call, oldest first; undefined when none are kept. */
  callTrace(callId: string): readonly unknown[] | undefined;
}
