import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { smsSegments } from '../sms/segments.js';
import { MESSAGE_TEMPLATES, TONES, type MessageTemplate, type Tone } from '../../domain/strategies/types.js';
import {
  emailValues,
  LOCALES,
  sampleContexts,
  SMS_OPT_OUT,
  smsValues,
  type EmailContext,
  type Locale,
  type RenderedEmail,
  type SmsContext,
} from './contexts.js';
import { placeholderProblems } from './placeholders.js';

/** The templates that ship with Mahnwerk (templates/ at the repository root). */
export const BUILT_IN_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/** At most two concatenated GSM-7 segments with a 75-character link: one SMS costs at most two. */
export const MAX_SMS_SEGMENTS = 2;

export interface MessageTemplates {
  renderEmail(ctx: EmailContext): RenderedEmail;
  renderSms(ctx: SmsContext): string;
}

export class TemplateError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid message templates:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'TemplateError';
  }
}

type Render<T> = (values: T) => string;
type Variant = `${MessageTemplate}.${Locale}.${Tone}`;

const variants: Variant[] = MESSAGE_TEMPLATES.flatMap((template) =>
  LOCALES.flatMap((locale) => TONES.map((tone): Variant => `${template}.${locale}.${tone}`)),
);
const emailFile = (variant: Variant) => `email/${variant}.hbs`;
const layoutFile = (locale: Locale, part: 'html' | 'text') => `email/layout.${locale}.${part}.hbs`;
const smsFile = (variant: Variant) => `sms/${variant}.hbs`;
const localeOf = (variant: Variant) => variant.split('.')[1] as Locale;

const SUBJECT = /^Subject:[ \t]*(.*)\r?\n[ \t]*\r?\n/;
const BODY_MARKER = 'BODY-MARKER';

/**
 * Reads, checks and compiles every template: each template × locale × tone for e-mail and SMS, and
 * an HTML and a text layout per locale, from `baseDir` (default: the built-in templates/). A file
 * in `overrideDir` replaces the file of the same name there. Any problem (a missing file, a syntax error, an unknown placeholder, an SMS without the
 * opt-out or longer than two segments) throws one TemplateError that names every bad file.
 */
export function loadTemplates(
  options: { overrideDir?: string | undefined; baseDir?: string } = {},
): MessageTemplates {
  const problems: string[] = [];
  const baseDir = options.baseDir ?? BUILT_IN_TEMPLATES_DIR;
  const hb = Handlebars.create();
  const overrideDir = options.overrideDir && path.resolve(options.overrideDir);
  if (overrideDir) problems.push(...unknownOverrides(overrideDir));

  /** Parses, checks against the sample and compiles one template; undefined (with problems) when broken. */
  const compile = <T extends object>(
    file: string,
    source: string,
    sample: T,
    mode: 'html' | 'text',
  ): Render<T> | undefined => {
    try {
      const ast = hb.parse(source);
      const found = placeholderProblems(ast, sample);
      if (found.length > 0) {
        problems.push(...found.map((p) => `${file}: ${p}`));
        return undefined;
      }
      const render = hb.compile<T>(ast, { strict: true, knownHelpersOnly: true, noEscape: mode === 'text' });
      render(sample); // Handlebars compiles lazily: surface compile errors now, not at the first send.
      return render;
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message.replace(/\n+/g, ' ')}`);
      return undefined;
    }
  };

  const read = (relative: string): { file: string; source: string } | undefined => {
    const overridden = overrideDir ? path.join(overrideDir, relative) : undefined;
    const file = overridden && existsSync(overridden) ? overridden : path.join(baseDir, relative);
    try {
      return { file, source: readFileSync(file, 'utf8') };
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (error as Error).message;
      problems.push(`${file}: ${reason}`);
      return undefined;
    }
  };

  const samples = Object.fromEntries(LOCALES.map((l) => [l, sampleContexts(l)])) as Record<
    Locale,
    ReturnType<typeof sampleContexts>
  >;
  const layouts = new Map<Locale, { html: Render<LayoutValues>; text: Render<LayoutValues> }>();
  for (const locale of LOCALES) {
    const values = emailValues(samples[locale].email);
    const load = (part: 'html' | 'text') => {
      const loaded = read(layoutFile(locale, part));
      const body = part === 'html' ? new hb.SafeString(`<p>${BODY_MARKER}</p>`) : BODY_MARKER;
      const render = loaded && compile(loaded.file, loaded.source, { ...values, body }, part);
      if (!loaded || !render) return undefined;
      const output = render({ ...values, body });
      for (const [what, expected] of [
        ['{{body}}', BODY_MARKER],
        ['{{portalUrl}}', values.portalUrl],
      ]) {
        if (!output.includes(expected!)) problems.push(`${loaded.file}: must contain ${what}`);
      }
      return render;
    };
    const html = load('html');
    const text = load('text');
    if (html && text) layouts.set(locale, { html, text });
  }

  const emails = new Map<Variant, { subject: Render<EmailValuesOf>; body: Render<EmailValuesOf> }>();
  const texts = new Map<Variant, Render<SmsValuesOf>>();
  for (const variant of variants) {
    const sample = samples[localeOf(variant)];
    const email = read(emailFile(variant));
    if (email) {
      const parsed = SUBJECT.exec(email.source);
      const values = emailValues(sample.email);
      if (!parsed) {
        problems.push(`${email.file}: must start with a "Subject: …" line and a blank line before the text`);
      } else {
        const subject = compile(email.file, parsed[1]!, values, 'text');
        // Blank lines in place of the subject, so that line numbers in problems are the file's.
        const bodySource = parsed[0].replace(/[^\n]/g, '') + email.source.slice(parsed[0].length);
        const body = compile(email.file, bodySource, values, 'text');
        if (subject && body) {
          if (!oneLine(subject(values))) problems.push(`${email.file}: the subject is empty`);
          if (!body(values).trim()) problems.push(`${email.file}: the text is empty`);
          emails.set(variant, { subject, body });
        }
      }
    }
    const sms = read(smsFile(variant));
    const render = sms && compile(sms.file, sms.source, smsValues(sample.sms), 'text');
    if (sms && render) {
      problems.push(
        ...smsProblems(smsText(render(smsValues(sample.sms))), localeOf(variant)).map(
          (p) => `${sms.file}: ${p}`,
        ),
      );
      texts.set(variant, render);
    }
  }
  if (problems.length > 0) throw new TemplateError(problems);

  const pick = <T>(map: Map<Variant, T>, ctx: { template: MessageTemplate; locale: Locale; tone: Tone }) => {
    const found = map.get(`${ctx.template}.${ctx.locale}.${ctx.tone}`);
    if (!found) throw new Error(`no template ${ctx.template} for locale ${ctx.locale} and tone ${ctx.tone}`);
    return found;
  };

  return {
    renderEmail(ctx) {
      const { subject, body } = pick(emails, ctx);
      const layout = layouts.get(ctx.locale)!;
      const values = emailValues(ctx);
      const text = body(values).trim();
      return {
        subject: oneLine(subject(values)),
        text: tidy(layout.text({ ...values, body: text })),
        html: layout.html({ ...values, body: new hb.SafeString(paragraphs(text)) }),
      };
    },
    renderSms(ctx) {
      return smsText(pick(texts, ctx)(smsValues(ctx)));
    },
  };
}

type EmailValuesOf = ReturnType<typeof emailValues>;
type SmsValuesOf = ReturnType<typeof smsValues>;
type LayoutValues = EmailValuesOf & { body: string | Handlebars.SafeString };

/** Checks a rendered sample SMS: the link, the opt-out at the end, GSM-7, at most two segments. */
function smsProblems(text: string, locale: Locale): string[] {
  const problems: string[] = [];
  const { encoding, segments, characters } = smsSegments(text);
  if (!text.includes(sampleContexts(locale).sms.portalUrl)) problems.push('must contain {{portalUrl}}');
  if (!text.endsWith(SMS_OPT_OUT[locale])) problems.push(`must end with "${SMS_OPT_OUT[locale]}"`);
  if (encoding !== 'GSM-7') {
    const odd = [...new Set([...text].filter((c) => smsSegments(c).encoding !== 'GSM-7'))].join(' ');
    problems.push(`uses characters outside GSM-7 (${odd}), which halves the length of a segment`);
  }
  if (segments > MAX_SMS_SEGMENTS) {
    problems.push(
      `${segments} segments (${characters} ${encoding === 'GSM-7' ? 'septets' : 'UCS-2 units'} with a 75-character link and a 27-character creditor name); at most ${MAX_SMS_SEGMENTS}`,
    );
  }
  return problems;
}

/** .hbs files in the override directory that are not a template Mahnwerk knows: most likely a typo. */
function unknownOverrides(dir: string): string[] {
  if (!existsSync(dir)) return [`${dir}: the templates directory does not exist`];
  const known = new Set([
    ...variants.flatMap((v) => [emailFile(v), smsFile(v)]),
    ...LOCALES.flatMap((l) => [layoutFile(l, 'html'), layoutFile(l, 'text')]),
  ]);
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => name.split(path.sep).join('/'))
    .filter((name) => name.endsWith('.hbs') && !known.has(name))
    .map(
      (name) =>
        `${path.join(dir, name)}: not a known template (email/<template>.<locale>.<tone>.hbs, email/layout.<locale>.html.hbs or .text.hbs, sms/<template>.<locale>.<tone>.hbs; templates ${MESSAGE_TEMPLATES.join(', ')}; locales ${LOCALES.join(', ')}; tones ${TONES.join(', ')})`,
    );
}

const oneLine = (s: string) => s.replace(/[\r\n\t ]+/g, ' ').trim();

/** An SMS is one line; no-break spaces (as in "12,50 €") become plain ones: they are not GSM-7. */
const smsText = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Trailing spaces off, at most one blank line in a row. */
const tidy = (s: string) =>
  s
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();

/** The text of the message as HTML paragraphs, everything escaped (the text holds the debtor's name). */
const paragraphs = (text: string) =>
  text
    .split(/\n[ \t]*\n/)
    .map((p) => `<p>${Handlebars.escapeExpression(p.trim()).replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');
