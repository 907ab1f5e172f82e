import Handlebars from 'handlebars';
import { smsSegments } from '../sms/segments.js';
import {
  emailValues,
  LOCALES,
  SAMPLE_PORTAL_URL,
  sampleContexts,
  SMS_OPT_OUT,
  smsValues,
  type EmailContext,
  type EmailValues,
  type Locale,
  type RenderedEmail,
  type SmsContext,
  type SmsValues,
} from './contexts.js';
import {
  BUILT_IN_TEMPLATES_DIR,
  emailFile,
  layoutFile,
  localeOf,
  smsFile,
  TemplateFiles,
  variantOf,
  VARIANTS,
  type LayoutPart,
  type Variant,
} from './files.js';
import { placeholderProblems } from './placeholders.js';

/** At most two concatenated GSM-7 segments with a 75-character link: one SMS costs at most two. */
const MAX_SMS_SEGMENTS = 2;

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
type LayoutValues = EmailValues & { body: string | Handlebars.SafeString };
interface EmailParts {
  subject: Render<EmailValues>;
  body: Render<EmailValues>;
}

/** An isolated Handlebars: no helper or partial registered anywhere else in the process applies. */
const hb = Handlebars.create();

/**
 * Reads, checks and compiles every template: each template × locale × tone for e-mail and SMS, and
 * an HTML and a text layout per locale, from `baseDir` (default: the built-in templates/). A file in
 * `overrideDir` replaces the file of the same name there. Any problem (a missing file, a syntax
 * error, an unknown placeholder, an SMS without its link or opt-out, too long or not GSM-7) throws
 * one TemplateError that names every bad file.
 */
export function loadTemplates(
  options: { overrideDir?: string | undefined; baseDir?: string } = {},
): MessageTemplates {
  const files = new TemplateFiles(options.baseDir ?? BUILT_IN_TEMPLATES_DIR, options.overrideDir);
  const layouts = new Map<Locale, Record<LayoutPart, Render<LayoutValues>>>();
  for (const locale of LOCALES) {
    const html = loadLayout(files, locale, 'html');
    const text = loadLayout(files, locale, 'text');
    if (html && text) layouts.set(locale, { html, text });
  }
  const emails = new Map<Variant, EmailParts>();
  const texts = new Map<Variant, Render<SmsValues>>();
  for (const variant of VARIANTS) {
    const email = loadEmail(files, variant);
    if (email) emails.set(variant, email);
    const sms = loadSms(files, variant);
    if (sms) texts.set(variant, sms);
  }
  if (files.problems.length > 0) throw new TemplateError(files.problems);

  // Complete by now: every variant and locale loaded, or the load threw.
  const pick = <T>(map: Map<Variant, T>, ctx: Parameters<typeof variantOf>[0]): T => map.get(variantOf(ctx))!;
  return {
    renderEmail(ctx) {
      const { subject, body } = pick(emails, ctx);
      const layout = layouts.get(ctx.locale)!;
      const values = emailValues(ctx);
      const text = body(values).trim();
      return {
        subject: oneLine(subject(values)),
        body: text,
        text: tidy(layout.text({ ...values, body: text })),
        html: layout.html({ ...values, body: new hb.SafeString(paragraphs(text)) }),
      };
    },
    renderSms(ctx) {
      return smsText(pick(texts, ctx)(smsValues(ctx)));
    },
  };
}

/**
 * Parses one template, checks its placeholders against the sample and compiles it; undefined (and
 * the problems recorded) when it is broken. HTML escapes every value; text, subject and SMS do not.
 */
function compile<T extends object>(
  problems: string[],
  { file, source }: { file: string; source: string },
  sample: T,
  mode: LayoutPart,
): Render<T> | undefined {
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
}

const BODY_MARKER = 'BODY-MARKER';

function loadLayout(
  files: TemplateFiles,
  locale: Locale,
  part: LayoutPart,
): Render<LayoutValues> | undefined {
  const loaded = files.read(layoutFile(locale, part));
  if (!loaded) return undefined;
  const values: LayoutValues = {
    ...emailValues(sampleContexts(locale).email),
    body: part === 'html' ? new hb.SafeString(BODY_MARKER) : BODY_MARKER,
  };
  const render = compile(files.problems, loaded, values, part);
  if (!render) return undefined;
  const output = render(values);
  for (const [placeholder, sample] of [
    ['{{body}}', BODY_MARKER],
    ['{{portalUrl}}', values.portalUrl],
  ] as const) {
    if (!output.includes(sample)) files.problems.push(`${loaded.file}: must contain ${placeholder}`);
  }
  return render;
}

/** "Subject: …", a blank line, the text. */
const SUBJECT_HEADER = /^Subject:[ \t]*(.*)\r?\n[ \t]*\r?\n/;

function loadEmail(files: TemplateFiles, variant: Variant): EmailParts | undefined {
  const loaded = files.read(emailFile(variant));
  if (!loaded) return undefined;
  const header = SUBJECT_HEADER.exec(loaded.source);
  if (!header) {
    files.problems.push(
      `${loaded.file}: must start with a "Subject: …" line and a blank line before the text`,
    );
    return undefined;
  }
  const values = emailValues(sampleContexts(localeOf(variant)).email);
  const subject = compile(files.problems, { file: loaded.file, source: header[1]! }, values, 'text');
  // Blank lines in place of the subject, so that line numbers in problems are the file's.
  const text = header[0].replace(/[^\n]/g, '') + loaded.source.slice(header[0].length);
  const body = compile(files.problems, { file: loaded.file, source: text }, values, 'text');
  if (!subject || !body) return undefined;
  if (!oneLine(subject(values))) files.problems.push(`${loaded.file}: the subject is empty`);
  if (!body(values).trim()) files.problems.push(`${loaded.file}: the text is empty`);
  return { subject, body };
}

function loadSms(files: TemplateFiles, variant: Variant): Render<SmsValues> | undefined {
  const loaded = files.read(smsFile(variant));
  if (!loaded) return undefined;
  const locale = localeOf(variant);
  const values = smsValues(sampleContexts(locale).sms);
  const render = compile(files.problems, loaded, values, 'text');
  if (!render) return undefined;
  files.problems.push(...smsProblems(smsText(render(values)), locale).map((p) => `${loaded.file}: ${p}`));
  return render;
}

/** Checks a rendered sample SMS: the link, the opt-out at the end, GSM-7, at most two segments. */
function smsProblems(text: string, locale: Locale): string[] {
  const problems: string[] = [];
  const { encoding, segments, characters } = smsSegments(text);
  if (!text.includes(SAMPLE_PORTAL_URL)) problems.push('must contain {{portalUrl}}');
  if (!text.endsWith(SMS_OPT_OUT[locale])) problems.push(`must end with "${SMS_OPT_OUT[locale]}"`);
  if (encoding !== 'GSM-7') {
    const odd = [...new Set([...text].filter((c) => smsSegments(c).encoding !== 'GSM-7'))].join(' ');
    problems.push(`uses characters outside GSM-7 (${odd}), which halves the length of a segment`);
  }
  if (segments > MAX_SMS_SEGMENTS) {
    const units = encoding === 'GSM-7' ? 'septets' : 'UCS-2 units';
    problems.push(
      `${segments} segments (${characters} ${units} with a 75-character link, a five-digit amount and a 27-character creditor name); at most ${MAX_SMS_SEGMENTS}`,
    );
  }
  return problems;
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
    .map((p) => `<p>${hb.escapeExpression(p.trim()).replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');
