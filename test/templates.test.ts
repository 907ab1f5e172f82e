import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createMailer } from '../channels/email/mailer.js';
import { smsSegments } from '../channels/sms/segments.js';
import {
  BUILT_IN_TEMPLATES_DIR,
  LOCALES,
  loadTemplates,
  renderEmail,
  renderSms,
  SMS_OPT_OUT,
  TemplateError,
  type EmailContext,
  type Locale,
  type SmsContext,
} from '../channels/templates.js';
import { loadConfig } from '../config/env.js';
import { readPolicyFile, PolicyFileError } from '../config/policy-file.js';
import { startSmtpOutbox } from '../dev/smtp-outbox.js';
import { defaultStrategies } from '../domain/strategies/defaults.js';
import { MESSAGE_TEMPLATES, TONES, type MessageTemplate, type Tone } from '../domain/strategies/types.js';
import { startMahnwerk } from '../runtime/app.js';

/** Intl separates amount and currency with a no-break space; compare with plain spaces. */
const plain = (s: string) => s.replaceAll('\u00a0', ' ').replaceAll('\u202f', ' ');

const scratch = mkdtempSync(path.join(tmpdir(), 'mahnwerk-templates-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A directory with the given files (relative path → content). */
function templatesDir(name: string, files: Record<string, string>): string {
  const dir = path.join(scratch, name);
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    writeFileSync(path.join(dir, relative), content);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

const problemsOf = (load: () => unknown): string[] => {
  try {
    load();
  } catch (error) {
    if (error instanceof TemplateError) return error.problems;
    throw error;
  }
  throw new Error('the templates loaded');
};

const PORTAL = `https://pay.example.com/p/${'t'.repeat(49)}`; // 75 characters, as long as a real link

const email = (over: Partial<EmailContext> = {}): EmailContext => ({
  template: 'reminder-1',
  tone: 'supportive',
  locale: 'de',
  debtorName: 'Erika Beispiel',
  total: { amount: 123456, currency: 'EUR' },
  invoices: [
    { id: 'R-1', open: { amount: 100000, currency: 'EUR' }, dueDate: '2026-03-15' },
    { id: 'R-2', open: { amount: 23456, currency: 'EUR' }, dueDate: '2026-04-01' },
  ],
  creditor: { name: 'Stadtwerke Demo', email: 'forderungen@stadtwerke.test', phone: '+49 30 1234567' },
  portalUrl: PORTAL,
  ...over,
});

/** The instalment a plan reminder is about. */
const INSTALMENT = { amount: { amount: 25_000, currency: 'EUR' }, dueDate: '2026-09-30' };

const sms = (over: Partial<SmsContext> = {}): SmsContext => ({
  template: 'reminder-1',
  tone: 'supportive',
  locale: 'de',
  total: { amount: 123456, currency: 'EUR' },
  creditor: { name: 'Stadtwerke Demo' },
  portalUrl: PORTAL,
  ...over,
});

const every: [MessageTemplate, Locale, Tone][] = MESSAGE_TEMPLATES.flatMap((template) =>
  LOCALES.flatMap((locale) => TONES.map((tone): [MessageTemplate, Locale, Tone] => [template, locale, tone])),
);

/** Words of the other language that must never show up (a forgotten English line in German, say). */
const FOREIGN: Record<Locale, RegExp> = {
  de: /\b(the|and|your|please|invoice|due|hello|hi|regards|amount|payment|reminder|reply|open)\b/i,
  en: /\b(der|die|und|Sie|bitte|Rechnung|fällig|Grüße|Betrag|Zahlung|Erinnerung|offen|Abmelden)\b/,
};

describe('message templates from files', () => {
  it.each(every)(
    '%s in %s, %s: subject, text and HTML with the amounts, the link and the contact',
    (template, locale, tone) => {
      const mail = renderEmail(email({ template, locale, tone, instalment: INSTALMENT }));
      const text = plain(mail.text);
      const total = locale === 'de' ? '1.234,56 €' : '€1,234.56';
      // A plan reminder is about the instalment, a receipt about the dispute; reminders name what is open.
      const instalment = locale === 'de' ? '250,00 € am 30. September 2026' : '€250.00 on September 30, 2026';
      const subject = {
        'plan-reminder': instalment,
        'dispute-received': locale === 'de' ? 'Einwand' : 'objection',
      };
      expect(plain(mail.subject)).toContain(subject[template as keyof typeof subject] ?? total);
      expect(text).toContain('Erika Beispiel');
      expect(text).toContain(total);
      expect(text).toContain(
        locale === 'de'
          ? 'Rechnung R-1: 1.000,00 €, fällig am 15. März 2026'
          : 'Invoice R-1: €1,000.00, due on March 15, 2026',
      );
      expect(text).toContain(PORTAL);
      expect(text).toContain('forderungen@stadtwerke.test');
      expect(text).toContain('+49 30 1234567');
      expect(mail.html).toContain(`href="${PORTAL}"`);
      expect(mail.html).toContain(`<html lang="${locale}">`);
      for (const part of [mail.subject, mail.text, mail.html]) {
        expect(part).not.toMatch(/\{\{|\}\}/);
        expect(part).not.toMatch(/debtorName|portalUrl|creditor\.|undefined|\[object/);
        expect(part.replace(/<[^>]*>/g, ' ')).not.toMatch(FOREIGN[locale]);
      }
    },
  );

  it.each(every)(
    'SMS %s in %s, %s: GSM-7, at most two segments with a 75-character link, opt-out last',
    (template, locale, tone) => {
      const text = renderSms(
        sms({
          template,
          locale,
          tone,
          creditor: { name: 'Stadtwerke Musterstadt GmbH' },
          instalment: INSTALMENT,
        }),
      );
      expect(text).toContain(PORTAL);
      expect(text).toContain(locale === 'de' ? '1.234,56 €' : '€1,234.56'); // plain space: GSM-7 has no no-break space
      expect(text.endsWith(locale === 'de' ? 'STOP zum Abmelden' : 'Reply STOP to opt out')).toBe(true);
      expect(smsSegments(text)).toMatchObject({ encoding: 'GSM-7' });
      expect(smsSegments(text).segments).toBeLessThanOrEqual(2);
      expect(text).not.toMatch(/\{\{|\}\}|\n/);
      expect(text.slice(0, -SMS_OPT_OUT[locale].length)).not.toMatch(FOREIGN[locale]);
    },
  );

  it('escapes what the debtor record holds in the HTML part, and only there', () => {
    const mail = renderEmail(
      email({
        debtorName: '<script>alert("x")</script> & Co',
        invoices: [{ id: '<b>R-1</b>', open: { amount: 100, currency: 'EUR' }, dueDate: '2026-03-15' }],
        creditor: { name: 'Müller & Söhne', email: 'a@b.test', phone: '+49 1' },
        portalUrl: 'https://pay.example.com/p/a?x=1&y="2"',
      }),
    );
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<b>R-1</b>');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(mail.html).toContain('&lt;b&gt;R-1&lt;/b&gt;');
    expect(mail.html).toContain('Müller &amp; Söhne');
    expect(mail.html).not.toContain('y="2"');
    // The plain text is not HTML: the name stands as it is.
    expect(mail.text).toContain('<script>alert("x")</script> & Co');
  });

  it('formats amounts and dates for the locale, and "booked by" in the debtor’s time zone', () => {
    const now = new Date('2026-11-24T23:30:00Z'); // already the 25th in Berlin, still the 24th in New York
    const usd = { amount: 250000, currency: 'USD' };
    const de = renderEmail(email({ timezone: 'Europe/Berlin', now }));
    expect(plain(de.text)).toContain('Gesamt: 1.234,56 €');
    expect(de.text).toContain('bis zum 25. November 2026 bei uns verbucht');
    const en = renderEmail(
      email({
        locale: 'en',
        total: usd,
        invoices: [{ id: 'A-7', open: usd, dueDate: '2026-10-15' }],
        timezone: 'America/New_York',
        now,
      }),
    );
    expect(en.subject).toBe('Payment reminder: $2,500.00 outstanding');
    expect(en.text).toContain('Invoice A-7: $2,500.00, due on October 15, 2026');
    expect(en.text).toContain('payments we had booked by November 24, 2026');
    expect(renderEmail(email({ now })).text).toContain('bis zum 24. November 2026'); // no zone: UTC
    expect(renderSms(sms({ total: { amount: 1500, currency: 'JPY' }, locale: 'en' }))).toContain('¥1,500');
  });

  it('links the opt-out in the text when it is given, and points at the header otherwise', () => {
    const unsubscribeUrl = 'https://pay.example.com/u/abc';
    const withLink = renderEmail(email({ unsubscribeUrl }));
    expect(withLink.text).toContain(`Abmelden: ${unsubscribeUrl}`);
    expect(withLink.html).toContain(`href="${unsubscribeUrl}"`);
    expect(renderEmail(email({ locale: 'en' })).text).toContain(
      'Unsubscribe with the link in this e-mail’s header',
    );
  });

  it('speaks in the tone of the segment: the same reminder reads differently', () => {
    const subjects = TONES.map((tone) => plain(renderEmail(email({ tone })).subject));
    expect(new Set(subjects).size).toBe(3);
    expect(renderEmail(email({ tone: 'friendly' })).text).toMatch(/^Hallo Erika Beispiel,/);
    expect(renderEmail(email({ tone: 'firm' })).text).toMatch(/^Guten Tag Erika Beispiel,/);
  });

  it('arrives through SMTP as written: both parts, umlauts, euro sign and escaping intact', async () => {
    const outbox = await startSmtpOutbox({ port: 0 });
    const mailer = createMailer({ smtpUrl: outbox.url, from: 'Stadtwerke Demo <billing@stadtwerke.test>' });
    try {
      const rendered = renderEmail(
        email({ debtorName: 'Jürgen <Größe>', tone: 'firm', template: 'final-notice' }),
      );
      await mailer.send({ to: 'juergen@example.test', ...rendered, messageId: '<tpl-1@mahnwerk>' });
      const caught = await outbox.waitFor((m) => m.messageId === '<tpl-1@mahnwerk>');
      expect(plain(caught.subject)).toBe('Letzte Erinnerung: Bitte begleichen Sie 1.234,56 € jetzt');
      expect(caught.text.trim()).toBe(rendered.text);
      expect(caught.html).toContain('Guten Tag Jürgen &lt;Größe&gt;,');
      expect(caught.html).toContain(`href="${PORTAL}"`);
    } finally {
      mailer.close();
      await outbox.close();
    }
  });
});

describe('template files are checked when they load', () => {
  const reminder = 'email/reminder-1.de.friendly.hbs';

  it('an override replaces one file and keeps the others', () => {
    const dir = templatesDir('override', {
      [reminder]: 'Subject: Hallo aus der Datei: {{total}}\n\nMoin {{debtorName}}, bitte zahlen.\n',
      'README.txt': 'not a template, ignored',
    });
    const templates = loadTemplates({ overrideDir: dir });
    const overridden = templates.renderEmail(email({ tone: 'friendly' }));
    expect(plain(overridden.subject)).toBe('Hallo aus der Datei: 1.234,56 €');
    expect(overridden.text).toMatch(/^Moin Erika Beispiel, bitte zahlen\./);
    expect(templates.renderEmail(email({ tone: 'firm' })).subject).toBe(
      renderEmail(email({ tone: 'firm' })).subject,
    );
  });

  it('a broken file stops loading with the file and the line named', () => {
    const dir = templatesDir('broken', {
      [reminder]: 'Subject: {{total}}\n\nHallo {{debtorName},\n', // unclosed mustache
      'email/reminder-2.en.firm.hbs':
        'Subject: {{total}}\n\nHello {{debtorNme}},\n{{#each invoices}}{{id}} {{nope}}{{/each}}\n',
      'email/layout.en.html.hbs': '<p>{{{debtorName}}}</p>{{body}}{{> footer}}<a href="{{portalUrl}}">x</a>',
      'email/confirmation.en.firm.hbs': 'no subject line',
      'sms/reminder-1.en.firm.hbs': '{{creditor.name}}: pay {{total}} now – {{portalUrl}}',
      'sms/reminder-2.de.firm.hbs': `{{creditor.name}}: ${'Bitte zahlen Sie. '.repeat(12)}{{portalUrl}} STOP zum Abmelden`,
      'sms/final-notice.de.firm.hbs': '{{debtorName}}: {{portalUrl}} STOP zum Abmelden',
      'email/reminder-3.de.firm.hbs': 'Subject: x\n\ny\n',
    });
    const problems = problemsOf(() => loadTemplates({ overrideDir: dir }));
    const at = (relative: string) => problems.filter((p) => p.startsWith(path.join(dir, relative)));
    expect(at(reminder).join('\n')).toMatch(/Parse error on line 3/);
    expect(at('email/reminder-2.en.firm.hbs')).toEqual([
      expect.stringMatching(
        /line 3: unknown placeholder \{\{debtorNme\}\} \(known here: debtorName, total, .*creditor\.name/,
      ),
      expect.stringMatching(/line 4: unknown placeholder \{\{nope\}\} \(known here: id, open, dueDate\)/),
    ]);
    expect(at('email/layout.en.html.hbs')).toEqual([
      expect.stringMatching(/\{\{\{debtorName\}\}\} is not allowed, write \{\{debtorName\}\}/),
      expect.stringMatching(/partial is not allowed/),
    ]);
    expect(at('email/confirmation.en.firm.hbs')).toEqual([
      expect.stringMatching(/must start with a "Subject: …" line/),
    ]);
    expect(at('sms/reminder-1.en.firm.hbs')).toEqual(
      ['must end with "Reply STOP to opt out"', expect.stringMatching(/outside GSM-7 \(–\)/)].map((p) =>
        typeof p === 'string' ? expect.stringContaining(p) : p,
      ),
    );
    expect(at('sms/reminder-2.de.firm.hbs')).toEqual([expect.stringMatching(/3 segments .* at most 2/)]);
    expect(at('sms/final-notice.de.firm.hbs')).toEqual([
      expect.stringMatching(
        /unknown placeholder \{\{debtorName\}\} \(known here: total, creditor.name, portalUrl, instalment.amount, instalment.dueDate\)/,
      ),
    ]);
    expect(at('email/reminder-3.de.firm.hbs')).toEqual([expect.stringMatching(/not a known template/)]);
    // Nothing else is blamed: the built-in files are fine.
    expect(problems).toHaveLength(11);
    expect(problems.filter((p) => !p.startsWith(dir))).toEqual([]);
  });

  it('a missing file is named', () => {
    const dir = path.join(scratch, 'copy');
    cpSync(BUILT_IN_TEMPLATES_DIR, dir, { recursive: true });
    rmSync(path.join(dir, 'sms/confirmation.en.friendly.hbs'));
    expect(problemsOf(() => loadTemplates({ baseDir: dir }))).toEqual([
      `${path.join(dir, 'sms/confirmation.en.friendly.hbs')}: missing`,
    ]);
    expect(problemsOf(() => loadTemplates({ overrideDir: path.join(scratch, 'nowhere') }))).toEqual([
      expect.stringMatching(/nowhere: the templates directory does not exist/),
    ]);
  });

  it('start-up stops on a broken MAHNWERK_TEMPLATES_DIR, naming the file', async () => {
    const dir = templatesDir('startup', {
      'sms/reminder-1.de.friendly.hbs': '{{creditor.name}}: {{total}} offen',
    });
    const config = loadConfig({ MAHNWERK_TEMPLATES_DIR: dir, MAHNWERK_DATA_DIR: path.join(scratch, 'data') });
    expect(config.templatesDir).toBe(dir);
    const started = startMahnwerk(config, { logger: pino({ level: 'silent' }), inMemoryDatabase: true });
    await expect(started).rejects.toThrow(TemplateError);
    await expect(started).rejects.toThrow(path.join(dir, 'sms/reminder-1.de.friendly.hbs'));
  });
});

describe('a tone per segment', () => {
  it('each strategy names its tone: firm for high risk, friendly for the digital ones, supportive otherwise', () => {
    const tones = Object.fromEntries(Object.values(defaultStrategies).map((s) => [s.segment, s.tone]));
    expect(tones).toEqual({
      protected: 'supportive',
      'data-collection': 'supportive',
      'small-balance': 'friendly',
      'self-service': 'friendly',
      assisted: 'supportive',
      personal: 'supportive',
      'high-risk': 'firm',
    });
  });

  it('the policy file can change a segment’s tone, and refuses one that does not exist', async () => {
    const good = path.join(scratch, 'tone.yaml');
    writeFileSync(good, 'strategies:\n  assisted:\n    version: assisted-v2\n    tone: firm\n');
    const policies = await readPolicyFile(good);
    expect(policies.strategies.assisted).toMatchObject({ version: 'assisted-v2', tone: 'firm' });
    expect(policies.strategies['high-risk'].tone).toBe('firm');

    const bad = path.join(scratch, 'bad-tone.yaml');
    writeFileSync(bad, 'strategies:\n  high-risk:\n    version: high-risk-v2\n    tone: angry\n');
    const error = (await readPolicyFile(bad).catch((e: unknown) => e)) as PolicyFileError;
    expect(error).toBeInstanceOf(PolicyFileError);
    expect(error.problems).toEqual([expect.stringMatching(/^strategies\.high-risk\.tone: /)]);
  });
});
