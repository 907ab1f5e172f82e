/**
 * Slows down password guessing: after MAX_FAILURES failed logins for one e-mail address within the
 * window, further attempts for it are refused until the window has passed. In memory, per process:
 * enough for one API process; behind several, put a rate limit in front as well.
 */
const MAX_FAILURES = 5;
const WINDOW_MS = 15 * 60_000;

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  private recent(email: string): number[] {
    const since = this.now() - WINDOW_MS;
    const kept = (this.failures.get(email) ?? []).filter((at) => at > since);
    if (kept.length) this.failures.set(email, kept);
    else this.failures.delete(email);
    return kept;
  }

  /** Minutes to wait, or 0 when a login may be tried. */
  blockedMinutes(email: string): number {
    const recent = this.recent(email);
    if (recent.length < MAX_FAILURES) return 0;
    return Math.ceil((recent[0]! + WINDOW_MS - this.now()) / 60_000);
  }

  failed(email: string): void {
    this.failures.set(email, [...this.recent(email), this.now()]);
  }

  succeeded(email: string): void {
    this.failures.delete(email);
  }
}
