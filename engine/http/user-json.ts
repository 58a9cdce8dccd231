import type { User } from '../directory/user.js';

/** A user as the API shows it (times as ISO 8601). The API is admin-only, so the secret is included. */
export interface UserJson {
  extension: string;
  name: string;
  secret: string;
  email: string;
  voicemailPin: string;
  createdAt: string;
  updatedAt: string;
}

export function userToJson(u: User): UserJson {
  return {
    extension: u.extension,
    name: u.name,
    secret: u.secret,
    email: u.email,
    voicemailPin: u.voicemailPin,
    createdAt: new Date(u.createdAt).toISOString(),
    updatedAt: new Date(u.updatedAt).toISOString(),
  };
}
