import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MESSAGE_TEMPLATES, TONES, type MessageTemplate, type Tone } from '../../domain/strategies/types.js';
import { LOCALES, type Locale } from './contexts.js';

/** The templates that ship with Mahnwerk (templates/ at the repository root). */
export const BUILT_IN_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/** "reminder-1.de.friendly": one text in one language and tone. */
export type Variant = `${MessageTemplate}.${Locale}.${Tone}`;

export const VARIANTS: Variant[] = MESSAGE_TEMPLATES.flatMap((template) =>
  LOCALES.flatMap((locale) => TONES.map((tone): Variant => `${template}.${locale}.${tone}`)),
);
export const variantOf = (ctx: { template: MessageTemplate; locale: Locale; tone: Tone }): Variant =>
  `${ctx.template}.${ctx.locale}.${ctx.tone}`;
export const localeOf = (variant: Variant) => variant.split('.')[1] as Locale;

export type LayoutPart = 'html' | 'text';
export const emailFile = (variant: Variant) => `email/${variant}.hbs`;
export const layoutFile = (locale: Locale, part: LayoutPart) => `email/layout.${locale}.${part}.hbs`;
export const smsFile = (variant: Variant) => `sms/${variant}.hbs`;

const KNOWN_FILES = new Set([
  ...VARIANTS.flatMap((v) => [emailFile(v), smsFile(v)]),
  ...LOCALES.flatMap((l) => [layoutFile(l, 'html'), layoutFile(l, 'text')]),
]);
const NAMING =
  'email/<template>.<locale>.<tone>.hbs, email/layout.<locale>.html.hbs or .text.hbs, sms/<template>.<locale>.<tone>.hbs' +
  `; templates ${MESSAGE_TEMPLATES.join(', ')}; locales ${LOCALES.join(', ')}; tones ${TONES.join(', ')}`;

/**
 * Reads template files by their relative name: from the override directory when it has the file,
 * else from the base directory. Problems are collected with the full path of the file, not thrown.
 */
export class TemplateFiles {
  readonly problems: string[] = [];
  private readonly overrideDir: string | undefined;

  constructor(
    private readonly baseDir: string,
    overrideDir: string | undefined,
  ) {
    this.overrideDir = overrideDir && path.resolve(overrideDir);
    if (this.overrideDir) this.problems.push(...unknownFiles(this.overrideDir));
  }

  read(relative: string): { file: string; source: string } | undefined {
    const overridden = this.overrideDir && path.join(this.overrideDir, relative);
    const file = overridden && existsSync(overridden) ? overridden : path.join(this.baseDir, relative);
    try {
      return { file, source: readFileSync(file, 'utf8') };
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      this.problems.push(`${file}: ${missing ? 'missing' : (error as Error).message}`);
      return undefined;
    }
  }
}

/** .hbs files in an override directory that are not a template Mahnwerk knows: most likely a typo. */
function unknownFiles(dir: string): string[] {
  if (!existsSync(dir)) return [`${dir}: the templates directory does not exist`];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => name.split(path.sep).join('/'))
    .filter((name) => name.endsWith('.hbs') && !KNOWN_FILES.has(name))
    .map((name) => `${path.join(dir, name)}: not a known template (${NAMING})`);
}
