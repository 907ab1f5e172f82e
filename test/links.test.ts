import { describe, expect, it } from 'vitest';
import { isRevoked, LinkSigner } from '../channels/links.js';

const signer = new LinkSigner('a-secret-that-is-long-enough-0123456789');
const now = new Date('2026-11-24T10:00:00Z');

describe('signed debtor links', () => {
  it('round-trips the debtor and purpose, and is short enough for an SMS', () => {
    const token = signer.issue('debtor-42', 'portal', now, 30);
    expect(token.length).toBeLessThan(80);
    expect(signer.verify(token, 'portal', now)).toMatchObject({
      ok: true,
      claims: { debtorId: 'debtor-42', purpose: 'portal' },
    });
  });

  it('refuses tampered, foreign, expired and wrong-purpose tokens', () => {
    const token = signer.issue('debtor-42', 'portal', now, 30);
    const [body, sig] = token.split('.') as [string, string];
    const otherBody = Buffer.from(JSON.stringify({ d: 'debtor-43', p: 'portal', i: 1, e: 9e9 })).toString(
      'base64url',
    );
    expect(signer.verify(`${otherBody}.${sig}`, 'portal', now)).toEqual({ ok: false, reason: 'tampered' });
    expect(signer.verify(`${body}.${sig.slice(0, -1)}x`, 'portal', now)).toEqual({
      ok: false,
      reason: 'tampered',
    });
    const foreign = new LinkSigner('another-secret-that-is-long-enough-987').issue(
      'debtor-42',
      'portal',
      now,
      30,
    );
    expect(signer.verify(foreign, 'portal', now)).toEqual({ ok: false, reason: 'tampered' });
    expect(signer.verify(token, 'portal', new Date('2026-12-24T10:00:01Z'))).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(signer.verify(token, 'unsubscribe-email', now)).toEqual({ ok: false, reason: 'wrong-purpose' });
    expect(signer.verify('garbage', 'portal', now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('dies with its case: closed, or issued before the current case opened', () => {
    const check = signer.verify(signer.issue('d', 'portal', now, 30), 'portal', now);
    if (!check.ok) throw new Error('expected a valid token');
    expect(isRevoked(check.claims, { opened_at: new Date('2026-11-20T00:00:00Z'), closed_at: null })).toBe(
      false,
    );
    expect(isRevoked(check.claims, { opened_at: new Date('2026-11-20T00:00:00Z'), closed_at: now })).toBe(
      true,
    );
    expect(isRevoked(check.claims, { opened_at: new Date('2026-11-25T00:00:00Z'), closed_at: null })).toBe(
      true,
    );
    expect(isRevoked(check.claims, undefined)).toBe(true);
  });
});
