/** One extension of the office: who it is, the phone's SIP credentials and the voicemail PIN. */
export interface User {
  /** 2–15 digits; also the SIP user name and the digest user. */
  extension: string;
  /** Shown on phones as the caller's name. */
  name: string;
  /** The SIP (digest) password the phone registers with. */
  secret: string;
  /** '' when none. */
  email: string;
  /** 4–12 digits. */
  voicemailPin: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
}

/** The fields a caller may set; the rest is filled in (credentials generated when left out or ''). */
export type NewUser = {
  extension: string;
  name: string;
  secret?: string;
  email?: string;
  voicemailPin?: string;
};

/** A partial update; `extension` may be present only if it equals the user's (extensions do not move). */
export type UserPatch = Partial<NewUser>;

export const USER_FIELDS = ['extension', 'name', 'secret', 'email', 'voicemailPin'] as const;
export type UserField = (typeof USER_FIELDS)[number];

export type UserChangeKind = 'created' | 'updated' | 'deleted';

export interface UserChange {
  kind: UserChangeKind;
  /** The user after the change (for 'deleted': as it was). */
  user: User;
  /** For 'updated': the user before the change. */
  previous?: User;
}

export type UserChangeListener = (change: UserChange) => void;
