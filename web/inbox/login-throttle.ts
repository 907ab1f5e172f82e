import type { Database } from '../../db/database.js';
import { clearLoginFailures, countLoginFailures, recordLoginFailure } from '../../db/login-failures.js';

/**
 * Slows down password guessing: after MAX_ACCOUNT_FAILURES failed logins for one e-mail address, or
 * MAX_ADDRESS_FAILURES from one client address (many accounts tried), within the window, further
 * attempts are refused until the oldest failure has left the window. Counted in the database, so the
 * limit holds across every API process behind a load balancer.
 */
export const MAX_ACCOUNT_FAILURES = 5;
export const MAX_ADDRESS_FAILURES = 20;
export const WINDOW_MS = 15 * 60_000;

export interface LoginAttempt {
  /** The e-mail address tried, lower-cased. */
  account: string;
  /** The client address (request.ip, honouring MAHNWERK_TRUST_PROXY). */
  ip: string;
}

export type Throttled = { by: 'account' | 'address'; minutes: number } | undefined;

export class LoginThrottle {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the attempt must wait, and how many minutes; undefined when it may be tried. */
  async check(attempt: LoginAttempt): Promise<Throttled> {
    const now = this.now();
    const counts = await countLoginFailures(this.db, attempt, new Date(now - WINDOW_MS));
    const wait = (oldest: Date | undefined) =>
      Math.max(1, Math.ceil(((oldest?.getTime() ?? now) + WINDOW_MS - now) / 60_000));
    if (counts.account.count >= MAX_ACCOUNT_FAILURES)
      return { by: 'account', minutes: wait(counts.account.oldest) };
    if (counts.ip.count >= MAX_ADDRESS_FAILURES) return { by: 'address', minutes: wait(counts.ip.oldest) };
    return undefined;
  }

  async failed(attempt: LoginAttempt): Promise<void> {
    const now = this.now();
    await recordLoginFailure(this.db, attempt, new Date(now), new Date(now - WINDOW_MS));
  }

  async succeeded(attempt: LoginAttempt): Promise<void> {
    await clearLoginFailures(this.db, attempt.account, new Date(this.now()));
  }
}
