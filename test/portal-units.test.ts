import { describe, expect, it } from 'vitest';
import { LinkSigner } from '../channels/links.js';
import { loadConfig } from '../config/env.js';
import { configProblems } from './setup/config.js';
import {
  creditorReference,
  epcPayload,
  formatIban,
  isValidCreditorReference,
  isValidIban,
} from '../domain/payments/sepa.js';
import { maskEmail, maskPhone } from '../web/portal/format.js';

describe('SEPA transfer details', () => {
  it('checks IBANs with mod 97', () => {
    expect(isValidIban('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(isValidIban('DE89370400440532013001')).toBe(false);
    expect(isValidIban('not an iban')).toBe(false);
    expect(formatIban('de89370400440532013000')).toBe('DE89 3704 0044 0532 0130 00');
  });

  it('derives a valid, stable ISO 11649 reference per debtor', () => {
    const reference = creditorReference('d-100');
    expect(reference).toMatch(/^RF\d{2}[0-9A-Z]{16}$/);
    expect(isValidCreditorReference(reference)).toBe(true);
    expect(creditorReference('d-100')).toBe(reference);
    expect(creditorReference('d-101')).not.toBe(reference);
    // The example of ISO 11649 itself.
    expect(isValidCreditorReference('RF18539007547034')).toBe(true);
  });

  it('builds the EPC069-12 payload a banking app reads', () => {
    const payload = epcPayload({
      holder: 'Mahnwerk Demo GmbH',
      iban: 'DE89 3704 0044 0532 0130 00',
      bic: 'COBADEFFXXX',
      amount: { amount: 32_950, currency: 'EUR' },
      reference: 'RF18539007547034',
    });
    expect(payload.split('\n')).toEqual([
      'BCD',
      '002',
      '1',
      'SCT',
      'COBADEFFXXX',
      'Mahnwerk Demo GmbH',
      'DE89370400440532013000',
      'EUR329.50',
      '',
      'RF18539007547034',
    ]);
    expect(() =>
      epcPayload({
        holder: 'x',
        iban: 'x',
        bic: undefined,
        amount: { amount: 1, currency: 'USD' },
        reference: 'x',
      }),
    ).toThrow(/euros/);
  });
});

describe('portal details', () => {
  it('masks personal data', () => {
    expect(maskEmail('maria@example.com')).toBe('m***@example.com');
    expect(maskPhone('+4915123456789')).toBe('+49 *** ** 789');
    expect(maskPhone('+12025550123')).toBe('+1 *** ** 123');
    expect(maskPhone('+353871234567')).toBe('+353 *** ** 567');
  });

  it('binds form tokens to one link and lets them expire', () => {
    const signer = new LinkSigner('portal-units-secret-0123456789abcdefgh');
    const now = new Date('2026-11-24T10:00:00Z');
    const link = signer.issue('d-1', 'portal', now, 30);
    const other = signer.issue('d-2', 'portal', now, 30);
    const token = signer.formToken(link, now);
    expect(signer.verifyFormToken(link, token, now)).toBe(true);
    expect(signer.verifyFormToken(other, token, now)).toBe(false);
    expect(signer.verifyFormToken(link, token, new Date(now.getTime() + 3 * 3_600_000))).toBe(false);
    expect(signer.verifyFormToken(link, `${token}x`, now)).toBe(false);
  });

  it('reads payment settings from the environment, naming a bad variable', () => {
    const portal = loadConfig({
      PORTAL_SEPA_IBAN: 'de89 3704 0044 0532 0130 00',
      STRIPE_SECRET_KEY: 'sk_test_abc',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc',
      STRIPE_API_URL: 'http://127.0.0.1:12111',
    }).portal;
    expect(portal.sepa).toEqual({
      iban: 'DE89370400440532013000',
      bic: undefined,
      holder: 'Mahnwerk Demo GmbH',
    });
    expect(portal.stripe).toEqual({
      secretKey: 'sk_test_abc',
      webhookSecret: 'whsec_abc',
      apiUrl: 'http://127.0.0.1:12111',
    });
    expect(loadConfig({}).portal).toMatchObject({
      sepa: undefined,
      stripe: undefined,
      rateLimitPerMinute: 60,
    });
    expect(configProblems({ PORTAL_SEPA_IBAN: 'DE00 1234' })).toEqual([
      expect.stringMatching(/^PORTAL_SEPA_IBAN: /),
    ]);
    expect(configProblems({ STRIPE_SECRET_KEY: 'sk_test_abc' })).toEqual([
      expect.stringMatching(/^STRIPE_WEBHOOK_SECRET: is required/),
    ]);
  });
});
