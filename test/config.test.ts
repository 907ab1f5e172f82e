import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/env.js';
import { configProblems } from './setup/config.js';

describe('configuration', () => {
  it('runs on embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      http: { port: 3000, host: '127.0.0.1', publicUrl: 'http://localhost:3000' },
      databaseUrl: undefined,
      temporal: { address: undefined, uiPort: 8233, taskQueue: 'mahnwerk-cases' },
      smtpUrl: undefined,
    });
  });

  it('reads MAHNWERK_TRUST_PROXY as off, on, a hop count or addresses/CIDRs, and names a bad entry', () => {
    const trust = (value?: string) =>
      loadConfig(value === undefined ? {} : { MAHNWERK_TRUST_PROXY: value }).http.trustProxy;
    expect(trust()).toBe(false);
    expect(trust('false')).toBe(false);
    expect(trust('true')).toBe(true);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8, 127.0.0.1,fd00::/8')).toEqual(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);
    expect(() => trust('10.0.0.0/33')).toThrow(/MAHNWERK_TRUST_PROXY: .*not: 10\.0\.0\.0\/33/);
    expect(() => trust('proxy.local')).toThrow(/MAHNWERK_TRUST_PROXY/);
  });

  it('names every bad variable in one error', () => {
    const attempt = () =>
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        SMTP_URL: 'http://mail',
        MAHNWERK_DEV_API_KEY: 'short',
      });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const names = (error as ConfigError).problems.map((p) => p.split(':')[0]);
      expect(names.sort()).toEqual(['DATABASE_URL', 'MAHNWERK_DEV_API_KEY', 'PORT', 'SMTP_URL']);
    }
  });

  it('switches to PostgreSQL, an existing cluster and real SMTP when told to', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/mahnwerk',
      TEMPORAL_ADDRESS: 'temporal:7233',
      SMTP_URL: 'smtp://mail:25',
      MAHNWERK_PUBLIC_URL: 'https://pay.example.com/',
    });
    expect(config.databaseUrl).toBe('postgres://u:p@db:5432/mahnwerk');
    expect(config.temporal.address).toBe('temporal:7233');
    expect(config.smtpUrl).toBe('smtp://mail:25');
    expect(config.http.publicUrl).toBe('https://pay.example.com');
  });

  it('uses a Twilio account only when it is complete, and says what is missing', () => {
    expect(loadConfig({}).sms).toBeUndefined();
    const sid = `AC${'0a'.repeat(16)}`;
    expect(configProblems({ TWILIO_ACCOUNT_SID: sid })).toEqual([
      'TWILIO_AUTH_TOKEN: is required with TWILIO_ACCOUNT_SID',
      'TWILIO_FROM: TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required with TWILIO_ACCOUNT_SID',
    ]);
    expect(configProblems({ TWILIO_ACCOUNT_SID: 'AC123', TWILIO_FROM: '0049 30 1' })).toEqual([
      'TWILIO_ACCOUNT_SID: must be AC followed by 32 hex digits',
      'TWILIO_FROM: must be an E.164 number or an alphanumeric sender ID',
      'TWILIO_AUTH_TOKEN: is required with TWILIO_ACCOUNT_SID',
    ]);
    expect(
      loadConfig({ TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: 'x'.repeat(32), TWILIO_FROM: '+4930123456' })
        .sms,
    ).toEqual({
      accountSid: sid,
      authToken: 'x'.repeat(32),
      from: '+4930123456',
      messagingServiceSid: undefined,
      apiUrl: undefined,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({
      http: { port: 3000 },
      databaseUrl: undefined,
    });
  });

  it('letters: the embedded stand-in by default; a print service with URL and key; creditor address lines', () => {
    expect(loadConfig({})).toMatchObject({
      letters: undefined,
      letterSinkPort: 2527,
      creditor: { address: ['Musterstraße 1', '10115 Berlin'], country: 'DE' },
    });
    expect(
      loadConfig({
        LETTER_API_URL: 'https://print.example.test/v1',
        LETTER_API_KEY: 'key-12345678',
        CREDITOR_ADDRESS: 'Am Markt 1; 12345 Musterstadt',
        CREDITOR_COUNTRY: 'AT',
      }),
    ).toMatchObject({
      letters: { apiUrl: 'https://print.example.test/v1', apiKey: 'key-12345678' },
      creditor: { address: ['Am Markt 1', '12345 Musterstadt'], country: 'AT' },
    });
    try {
      loadConfig({
        LETTER_API_KEY: 'key-12345678',
        CREDITOR_ADDRESS: 'Am Markt 1;;x',
        CREDITOR_COUNTRY: 'de',
      });
      expect.unreachable('bad letter settings must stop start-up');
    } catch (error) {
      const names = (error as ConfigError).problems.map((p) => p.split(':')[0]);
      expect(names.sort()).toEqual(['CREDITOR_ADDRESS.1', 'CREDITOR_COUNTRY', 'LETTER_API_URL']);
    }
  });

  it('takes channel send rates per second, fractions too, and refuses a rate that is not above 0', () => {
    expect(loadConfig({}).channelRates).toEqual({ email: 10, sms: 1, letter: 5 });
    expect(
      loadConfig({ EMAIL_RATE_PER_SECOND: '25', SMS_RATE_PER_SECOND: '0.5', LETTER_RATE_PER_SECOND: '2' })
        .channelRates,
    ).toEqual({ email: 25, sms: 0.5, letter: 2 });
    try {
      loadConfig({ EMAIL_RATE_PER_SECOND: '0', SMS_RATE_PER_SECOND: 'fast' });
      expect.unreachable('a bad rate must stop start-up');
    } catch (error) {
      const names = (error as ConfigError).problems.map((p) => p.split(':')[0]);
      expect(names.sort()).toEqual(['EMAIL_RATE_PER_SECOND', 'SMS_RATE_PER_SECOND']);
    }
  });
});
