import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Signed, expiring links for debtors: short enough for an SMS, scoped to one debtor's case and one
 * purpose. The token is `payload.signature`, both base64url; the payload carries no contact data.
 * Revocation is the caller's check: a token issued before the case (re)opened, or for a closed
 * case, is refused (see `isRevoked`).
 */
export const LINK_PURPOSES = ['portal', 'unsubscribe-email'] as const;
export type LinkPurpose = (typeof LINK_PURPOSES)[number];

/** Payload `debtorId~purpose~issued~expires` (times in base-36 epoch seconds): compact for SMS. */
const PURPOSE_CODES: Record<LinkPurpose, string> = { portal: 'p', 'unsubscribe-email': 'u' };
const payloadSchema = z.tuple([
  z.string().min(1),
  z.enum(Object.values(PURPOSE_CODES) as [string, ...string[]]),
  z.string().regex(/^[0-9a-z]+$/),
  z.string().regex(/^[0-9a-z]+$/),
]);

export interface LinkClaims {
  debtorId: string;
  purpose: LinkPurpose;
  issuedAt: Date;
  expiresAt: Date;
}

export type LinkCheck =
  | { ok: true; claims: LinkClaims }
  | { ok: false; reason: 'malformed' | 'tampered' | 'expired' | 'wrong-purpose' };

/** 128 bits of HMAC-SHA256 are plenty against forgery and keep the link short. */
const SIGNATURE_BYTES = 16;
/** A form may be sent this long after it was shown (then the page is simply shown again). */
const FORM_TOKEN_MINUTES = 120;

export class LinkSigner {
  constructor(private readonly secret: string) {
    if (secret.length < 32) throw new Error('the link secret must have at least 32 characters');
  }

  issue(debtorId: string, purpose: LinkPurpose, now: Date, ttlDays: number): string {
    const issued = Math.floor(now.getTime() / 1000);
    const expires = issued + ttlDays * 86_400;
    const payload = [debtorId, PURPOSE_CODES[purpose], issued.toString(36), expires.toString(36)].join('~');
    const body = Buffer.from(payload).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  verify(token: string, purpose: LinkPurpose, now: Date): LinkCheck {
    const [body, signature, ...rest] = token.split('.');
    if (!body || !signature || rest.length > 0) return { ok: false, reason: 'malformed' };
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, reason: 'tampered' };
    const parsed = payloadSchema.safeParse(Buffer.from(body, 'base64url').toString('utf8').split('~'));
    if (!parsed.success) return { ok: false, reason: 'malformed' };
    const [debtorId, code, issued, expires] = parsed.data;
    if (code !== PURPOSE_CODES[purpose]) return { ok: false, reason: 'wrong-purpose' };
    const issuedAt = new Date(parseInt(issued, 36) * 1000);
    const expiresAt = new Date(parseInt(expires, 36) * 1000);
    if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
    return { ok: true, claims: { debtorId, purpose, issuedAt, expiresAt } };
  }

  /**
   * CSRF token for a form on a link's pages: bound to that link and to the moment the form was
   * rendered (`issued.signature`), so it is worthless for another link and goes stale.
   */
  formToken(linkToken: string, now: Date): string {
    const issued = Math.floor(now.getTime() / 1000).toString(36);
    return `${issued}.${this.sign(`form~${linkToken}~${issued}`)}`;
  }

  verifyFormToken(
    linkToken: string,
    formToken: string,
    now: Date,
    maxAgeMinutes = FORM_TOKEN_MINUTES,
  ): boolean {
    const [issued, signature, ...rest] = formToken.split('.');
    if (!issued || !signature || rest.length > 0 || !/^[0-9a-z]+$/.test(issued)) return false;
    const expected = Buffer.from(this.sign(`form~${linkToken}~${issued}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    const age = now.getTime() / 1000 - parseInt(issued, 36);
    return age >= -60 && age <= maxAgeMinutes * 60;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret)
      .update(body)
      .digest()
      .subarray(0, SIGNATURE_BYTES)
      .toString('base64url');
  }
}

/** A link dies with its case: closed, or a newer case opened after it was issued. */
export function isRevoked(
  claims: LinkClaims,
  caseRow: { opened_at: Date; closed_at: Date | null } | undefined,
): boolean {
  if (!caseRow || caseRow.closed_at) return true;
  // Tokens have second precision; the case's opening has milliseconds.
  return claims.issuedAt.getTime() + 1000 <= caseRow.opened_at.getTime();
}
