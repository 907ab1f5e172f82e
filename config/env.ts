import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { masterKeysSchema, type MasterKeySource } from '../crypto/master-keys.js';
import { BIC_PATTERN, isValidIban, normalizeIban } from '../domain/payments/sepa.js';

/**
 * The only reader of process.env. Every setting is validated here, so a bad value stops start-up
 * with a message that names the variable instead of failing somewhere later.
 */
const optionalUrl = (protocols: string[]) =>
  z
    .url()
    .refine((value) => protocols.some((p) => value.startsWith(`${p}://`)), {
      message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    })
    .optional();

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** Activities per second the server hands out on a channel's task queue (fractions allowed: 0.5). */
const ratePerSecond = (fallback: number) => z.coerce.number().positive().max(10_000).default(fallback);

/** An IPv4/IPv6 address, or one with a prefix length: 10.0.0.0/8, fd00::/8. */
const isAddressOrCidr = (entry: string): boolean => {
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
};

/**
 * Which proxies' X-Forwarded-For to believe (Fastify's `trustProxy`): `false` (none, the default),
 * `true` (any: only when every request comes through one), a hop count, or addresses/CIDRs.
 */
const trustProxySchema = z
  .string()
  .trim()
  .transform((text, ctx): boolean | number | string[] => {
    if (text === 'false') return false;
    if (text === 'true') return true;
    if (/^\d+$/.test(text)) return Number(text);
    const entries = text.split(',').map((entry) => entry.trim());
    const wrong = entries.filter((entry) => !isAddressOrCidr(entry));
    if (wrong.length === 0) return entries;
    ctx.addIssue({
      code: 'custom',
      message: `must be false, true, a hop count or comma-separated addresses/CIDRs (not: ${wrong.join(', ')})`,
    });
    return z.NEVER;
  });

const envSchema = z
  .object({
    NODE_ENV: z.string().optional(),
    MAHNWERK_DATA_DIR: z.string().min(1).default('data'),
    /** Payload master keys `id:base64,…`; the first encrypts (crypto/master-keys.ts). */
    MAHNWERK_PAYLOAD_KEYS: masterKeysSchema.optional(),
    MAHNWERK_PAYLOAD_KEY_FILE: z.string().min(1).optional(),
    MAHNWERK_HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port(3000),
    MAHNWERK_TRUST_PROXY: trustProxySchema.default(false),
    /** Calls per API key and window on /v1 (per API process). */
    API_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(1200),
    API_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
    MAHNWERK_PUBLIC_URL: z.url().optional(),
    MAHNWERK_DEV_API_KEY: z.string().min(20, 'must be at least 20 characters').optional(),
    DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
    TEMPORAL_ADDRESS: z.string().min(1).optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('mahnwerk-cases'),
    TEMPORAL_PORT: port(7233),
    TEMPORAL_UI_PORT: port(8233),
    TEMPORAL_CLI_PATH: z.string().min(1).optional(),
    /** Web UI origins allowed to call the codec server with the staff cookie (comma-separated). */
    TEMPORAL_UI_ORIGINS: z
      .string()
      .transform((text) => text.split(',').map((o) => o.trim()))
      .pipe(z.array(z.url().transform((u) => new URL(u).origin)))
      .optional(),
    SMTP_URL: optionalUrl(['smtp', 'smtps']),
    SMTP_OUTBOX_PORT: port(2525),
    MAIL_FROM: z.string().min(3).default('Mahnwerk Demo GmbH <billing@mahnwerk.test>'),
    CREDITOR_NAME: z.string().min(1).default('Mahnwerk Demo GmbH'),
    CREDITOR_EMAIL: z.email().default('billing@mahnwerk.test'),
    CREDITOR_PHONE: z.string().min(3).default('+49 30 1234567'),
    /** The creditor's postal lines for letters (sender line, information block), separated by `;`. */
    CREDITOR_ADDRESS: z
      .string()
      .transform((text) => text.split(';').map((line) => line.trim()))
      .pipe(z.array(z.string().min(1, 'must not have empty lines (separate lines with ;)')).min(1).max(4))
      .default(['Musterstraße 1', '10115 Berlin']),
    /** ISO 3166-1: letters to another country print the recipient's country. */
    CREDITOR_COUNTRY: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as DE')
      .default('DE'),
    MAHNWERK_CONFIG: z.string().min(1).optional(),
    MAHNWERK_TEMPLATES_DIR: z.string().min(1).optional(),
    MAHNWERK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    PORTAL_LINK_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    /** Personal data of cases closed longer ago is purged (§ 195 BGB: the regular limitation period is 3 years). */
    MAHNWERK_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(1095),
    MAHNWERK_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
    /** Portal requests per link and minute (each IP gets five times as many, for shared addresses). */
    PORTAL_RATE_LIMIT: z.coerce.number().int().min(10).max(10_000).default(60),
    PORTAL_SEPA_IBAN: z
      .string()
      .transform(normalizeIban)
      .refine(isValidIban, 'must be a valid IBAN (country, check digits, account)')
      .optional(),
    PORTAL_SEPA_BIC: z
      .string()
      .regex(BIC_PATTERN, 'must be a BIC of 8 or 11 characters such as COBADEFFXXX')
      .optional(),
    PORTAL_SEPA_HOLDER: z.string().min(1).max(70).optional(),
    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^(sk|rk)_[A-Za-z0-9_]+$/, 'must be a Stripe secret or restricted key (sk_… or rk_…)')
      .optional(),
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_[A-Za-z0-9]+$/, 'must be a webhook signing secret (whsec_…)')
      .optional(),
    /** Another Stripe API endpoint (stripe-mock, a loopback stand-in); default the real one. */
    STRIPE_API_URL: optionalUrl(['http', 'https']),
    TWILIO_ACCOUNT_SID: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits')
      .optional(),
    TWILIO_AUTH_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    TWILIO_FROM: z
      .string()
      .regex(
        /^(\+[1-9]\d{6,14}|(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11})$/,
        'must be an E.164 number or an alphanumeric sender ID',
      )
      .optional(),
    TWILIO_MESSAGING_SERVICE_SID: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/, 'must be MG followed by 32 hex digits')
      .optional(),
    TWILIO_API_URL: optionalUrl(['http', 'https']),
    SMS_SINK_PORT: port(2526),
    /** A print-and-mail provider's API (README "Letters"); unset: the embedded loopback stand-in. */
    LETTER_API_URL: optionalUrl(['http', 'https']),
    LETTER_API_KEY: z.string().min(8, 'must be at least 8 characters').optional(),
    LETTER_SINK_PORT: port(2527),
    EMAIL_RATE_PER_SECOND: ratePerSecond(10),
    SMS_RATE_PER_SECOND: ratePerSecond(1),
    LETTER_RATE_PER_SECOND: ratePerSecond(5),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((env, ctx) => {
    const together = (a: keyof typeof env, b: keyof typeof env) => {
      if (env[a] !== undefined && env[b] === undefined)
        ctx.addIssue({ code: 'custom', path: [b], message: `is required with ${a}` });
    };
    if (env.NODE_ENV === 'production' && !env.MAHNWERK_PAYLOAD_KEYS && !env.MAHNWERK_PAYLOAD_KEY_FILE)
      ctx.addIssue({
        code: 'custom',
        path: ['MAHNWERK_PAYLOAD_KEYS'],
        message:
          'is required when NODE_ENV=production (or MAHNWERK_PAYLOAD_KEY_FILE): create a key with `npm run mahnwerk -- payload-key generate`',
      });
    together('STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET');
    together('STRIPE_WEBHOOK_SECRET', 'STRIPE_SECRET_KEY');
    together('PORTAL_SEPA_BIC', 'PORTAL_SEPA_IBAN');
    together('LETTER_API_KEY', 'LETTER_API_URL');
    if (env.TWILIO_ACCOUNT_SID) {
      if (!env.TWILIO_AUTH_TOKEN)
        ctx.addIssue({
          code: 'custom',
          path: ['TWILIO_AUTH_TOKEN'],
          message: 'is required with TWILIO_ACCOUNT_SID',
        });
      if (!env.TWILIO_FROM && !env.TWILIO_MESSAGING_SERVICE_SID)
        ctx.addIssue({
          code: 'custom',
          path: ['TWILIO_FROM'],
          message: 'TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required with TWILIO_ACCOUNT_SID',
        });
    }
  });

export type Env = z.infer<typeof envSchema>;

export interface Config {
  dataDir: string;
  /** NODE_ENV=production: nothing security-relevant is generated on the fly. */
  production: boolean;
  /** Master keys of the Temporal payload codec; neither set: generated under dataDir (not in production). */
  payloadKeys: MasterKeySource;
  http: {
    host: string;
    port: number;
    publicUrl: string;
    /** Fastify's `trustProxy`: whose X-Forwarded-For sets request.ip (throttles, rate limits, audit). */
    trustProxy: boolean | number | string[];
    /** Calls each API key may make on /v1 per window, per API process. */
    apiRateLimit: ApiRateLimit;
  };
  /** Days after a case closed until the retention schedule purges the debtor's personal data. */
  retentionDays: number;
  devApiKey: string | undefined;
  /** undefined: the embedded PGlite under dataDir. */
  databaseUrl: string | undefined;
  temporal: {
    /** undefined: the embedded dev server started by `mahnwerk start`. */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    port: number;
    uiPort: number;
    cliPath: string | undefined;
    /** Origins of the Web UI that may call `/codec/*`; default the embedded UI's. */
    uiOrigins: string[];
  };
  /** undefined: the embedded loopback SMTP outbox. */
  smtpUrl: string | undefined;
  smtpOutboxPort: number;
  mailFrom: string;
  /** `address`: postal lines for letters; `country`: ISO 3166-1 of the creditor. */
  creditor: { name: string; email: string; phone: string; address: string[]; country: string };
  logLevel: Env['LOG_LEVEL'];
  /** Policy file (segmentation, contact policy, strategies); undefined: look for mahnwerk.config.* */
  policyFile: string | undefined;
  /** Message templates that replace the built-in ones of the same name; undefined: templates/ only. */
  templatesDir: string | undefined;
  /** Signs portal and unsubscribe links; undefined: generated once and kept in the data directory. */
  secret: string | undefined;
  portalLinkDays: number;
  /** For `agent create-admin` without a prompt. */
  adminPassword: string | undefined;
  portal: PortalConfig;
  /** Twilio account; undefined: the embedded Twilio-compatible SMS sink on loopback. */
  sms: SmsConfig | undefined;
  smsSinkPort: number;
  /** Print-and-mail provider; undefined: the embedded loopback stand-in (dev/letter-sink.ts). */
  letters: { apiUrl: string; apiKey: string | undefined } | undefined;
  letterSinkPort: number;
  /** Sends per second per channel: the limit of the provider account (SMTP relay, Twilio, print service). */
  channelRates: { email: number; sms: number; letter: number };
}

export interface ApiRateLimit {
  max: number;
  windowSeconds: number;
}

/** How debtors pay on the portal; an unconfigured method is not offered. */
export interface PortalConfig {
  rateLimitPerMinute: number;
  sepa: { iban: string; bic: string | undefined; holder: string } | undefined;
  stripe: { secretKey: string; webhookSecret: string; apiUrl: string | undefined } | undefined;
}

export interface SmsConfig {
  accountSid: string;
  authToken: string;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  /** Where the twilio SDK sends its requests; undefined: https://api.twilio.com. */
  apiUrl: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as "not set", as in most .env conventions.
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const env = parsed.data;
  return {
    dataDir: path.resolve(env.MAHNWERK_DATA_DIR),
    production: env.NODE_ENV === 'production',
    payloadKeys: {
      keys: env.MAHNWERK_PAYLOAD_KEYS,
      keyFile: env.MAHNWERK_PAYLOAD_KEY_FILE && path.resolve(env.MAHNWERK_PAYLOAD_KEY_FILE),
    },
    http: {
      host: env.MAHNWERK_HOST,
      port: env.PORT,
      publicUrl: (env.MAHNWERK_PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ''),
      trustProxy: env.MAHNWERK_TRUST_PROXY,
      apiRateLimit: { max: env.API_RATE_LIMIT, windowSeconds: env.API_RATE_WINDOW_SECONDS },
    },
    devApiKey: env.MAHNWERK_DEV_API_KEY,
    databaseUrl: env.DATABASE_URL,
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      port: env.TEMPORAL_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
      cliPath: env.TEMPORAL_CLI_PATH,
      uiOrigins: env.TEMPORAL_UI_ORIGINS ?? [
        `http://localhost:${env.TEMPORAL_UI_PORT}`,
        `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`,
      ],
    },
    smtpUrl: env.SMTP_URL,
    smtpOutboxPort: env.SMTP_OUTBOX_PORT,
    mailFrom: env.MAIL_FROM,
    creditor: {
      name: env.CREDITOR_NAME,
      email: env.CREDITOR_EMAIL,
      phone: env.CREDITOR_PHONE,
      address: env.CREDITOR_ADDRESS,
      country: env.CREDITOR_COUNTRY,
    },
    logLevel: env.LOG_LEVEL,
    policyFile: env.MAHNWERK_CONFIG,
    templatesDir: env.MAHNWERK_TEMPLATES_DIR && path.resolve(env.MAHNWERK_TEMPLATES_DIR),
    secret: env.MAHNWERK_SECRET,
    portalLinkDays: env.PORTAL_LINK_DAYS,
    retentionDays: env.MAHNWERK_RETENTION_DAYS,
    adminPassword: env.MAHNWERK_ADMIN_PASSWORD,
    portal: {
      rateLimitPerMinute: env.PORTAL_RATE_LIMIT,
      sepa: env.PORTAL_SEPA_IBAN
        ? {
            iban: env.PORTAL_SEPA_IBAN,
            bic: env.PORTAL_SEPA_BIC,
            holder: env.PORTAL_SEPA_HOLDER ?? env.CREDITOR_NAME,
          }
        : undefined,
      stripe:
        env.STRIPE_SECRET_KEY && env.STRIPE_WEBHOOK_SECRET
          ? {
              secretKey: env.STRIPE_SECRET_KEY,
              webhookSecret: env.STRIPE_WEBHOOK_SECRET,
              apiUrl: env.STRIPE_API_URL,
            }
          : undefined,
    },
    sms:
      env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
        ? {
            accountSid: env.TWILIO_ACCOUNT_SID,
            authToken: env.TWILIO_AUTH_TOKEN,
            from: env.TWILIO_FROM,
            messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID,
            apiUrl: env.TWILIO_API_URL,
          }
        : undefined,
    smsSinkPort: env.SMS_SINK_PORT,
    letters: env.LETTER_API_URL ? { apiUrl: env.LETTER_API_URL, apiKey: env.LETTER_API_KEY } : undefined,
    letterSinkPort: env.LETTER_SINK_PORT,
    channelRates: {
      email: env.EMAIL_RATE_PER_SECOND,
      sms: env.SMS_RATE_PER_SECOND,
      letter: env.LETTER_RATE_PER_SECOND,
    },
  };
}
