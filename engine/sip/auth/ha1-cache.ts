import { digestHa1, type DigestAlgorithm } from './digest.js';

interface Entry {
  realm: string;
  password: string;
  ha1: string;
}

/**
 * HA1 = H(username:realm:password) per user, realm and algorithm, so that verifying a response costs two
 * hashes instead of three. An entry is used only while the realm and the password it was computed from
 * are the ones asked for: a changed secret or realm is recomputed, never served stale. Only users the
 * directory knows are cached (plus one decoy per algorithm), so the size is bounded by the directory.
 */
export class Ha1Cache {
  private readonly byAlgorithm = new Map<DigestAlgorithm, Map<string, Entry>>();

  get(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
    let users = this.byAlgorithm.get(algorithm);
    if (!users) this.byAlgorithm.set(algorithm, (users = new Map()));
    const e = users.get(username);
    if (e && e.realm === realm && e.password === password) return e.ha1;
    const ha1 = digestHa1(algorithm, username, realm, password);
    users.set(username, { realm, password, ha1 });
    return ha1;
  }

  forget(username: string): void {
    for (const users of this.byAlgorithm.values()) users.delete(username);
  }
}
