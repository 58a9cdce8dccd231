import crypto from 'node:crypto';
import type { Logger } from '../log/index.js';
import type { SettingsStore } from '../store/settings-store.js';
import { hashPassword, verifyPassword } from './password-hash.js';

const SETTING = 'admin.passwordHash';
const MAX_CACHED = 32;

/**
 * The console/API admin password, stored only as an scrypt hash in the settings table. scrypt is slow
 * on purpose, so a password that verified is remembered for a short while (as an HMAC keyed by the
 * stored hash, never in clear) and concurrent checks of the same password share one computation.
 */
export class AdminPassword {
  private stored: string | undefined;
  private readonly verified = new Map<string, number>();
  private readonly pending = new Map<string, Promise<boolean>>();

  constructor(
    private readonly settings: SettingsStore,
    private readonly log: Logger,
    private readonly cacheMs = 60_000,
  ) {
    this.stored = settings.get(SETTING);
  }

  isSet(): boolean {
    return this.stored !== undefined;
  }

  /** Sets (or replaces) the password. */
  async set(password: string): Promise<void> {
    if (password === '') throw new Error('the admin password must not be empty');
    if (password.length < 8)
      this.log.warn('the admin password is shorter than 8 characters; choose a longer one');
    const hash = await hashPassword(password);
    this.settings.set(SETTING, hash);
    this.stored = hash;
    this.verified.clear();
    this.log.info('admin password set');
  }

  /** Sets the password only when none is stored yet (first run); true when it did. */
  async setIfUnset(password: string): Promise<boolean> {
    if (this.isSet()) return false;
    await this.set(password);
    return true;
  }

  async verify(password: string): Promise<boolean> {
    const stored = this.stored;
    if (stored === undefined) return false;
    const tag = crypto.createHmac('sha256', stored).update(password).digest('base64');
    const until = this.verified.get(tag);
    if (until !== undefined && until > Date.now()) return true;
    let check = this.pending.get(tag);
    if (!check) {
      check = verifyPassword(password, stored).finally(() => this.pending.delete(tag));
      this.pending.set(tag, check);
    }
    const ok = await check;
    if (ok && this.stored === stored) this.remember(tag);
    return ok;
  }

  private remember(tag: string): void {
    if (this.verified.size >= MAX_CACHED) {
      const now = Date.now();
      for (const [t, until] of this.verified) if (until <= now) this.verified.delete(t);
      if (this.verified.size >= MAX_CACHED) this.verified.clear();
    }
    this.verified.set(tag, Date.now() + this.cacheMs);
  }
}
