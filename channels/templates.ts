import { loadTemplates, type MessageTemplates } from './messages/catalog.js';
import type { EmailContext, RenderedEmail, SmsContext } from './messages/contexts.js';

/**
 * Message texts for debtors, from the template files under templates/ (see templates/README.md):
 * e-mail (subject, plain text, HTML) and SMS, German and English, in the tone of the segment's
 * strategy.
 *
 * The process renders with one template set: the built-in one, loaded on first use, or the one
 * start-up installs with `useTemplates(loadTemplates({ overrideDir }))` so that a broken file stops
 * start-up instead of a send.
 */
export { loadTemplates, TemplateError, type MessageTemplates } from './messages/catalog.js';
export { BUILT_IN_TEMPLATES_DIR } from './messages/files.js';
export {
  LOCALES,
  SMS_OPT_OUT,
  type EmailContext,
  type Locale,
  type RenderedEmail,
  type SmsContext,
} from './messages/contexts.js';

let inUse: MessageTemplates | undefined;

/** Makes `templates` the set this process renders with. */
export function useTemplates(templates: MessageTemplates): void {
  inUse = templates;
}

const current = (): MessageTemplates => (inUse ??= loadTemplates());

/** Subject, plain text and HTML of an e-mail; every value is escaped in the HTML part. */
export function renderEmail(ctx: EmailContext): RenderedEmail {
  return current().renderEmail(ctx);
}

/** One SMS text, GSM-7 where the names allow, ending with the opt-out ("STOP zum Abmelden"). */
export function renderSms(ctx: SmsContext): string {
  return current().renderSms(ctx);
}
