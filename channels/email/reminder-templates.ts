import { formatDueDate } from '../../domain/dates.js';
import { formatMoney, type Money } from '../../domain/money.js';

export type ReminderTemplate =
  'reminder-1' | 'reminder-2' | 'final-notice' | 'confirmation' | 'dispute-received' | 'plan-reminder';
export type Locale = 'de' | 'en';

export interface ReminderContext {
  template: ReminderTemplate;
  locale: Locale;
  debtorName: string;
  total: Money;
  invoices: { id: string; open: Money; dueDate: string }[];
  creditor: { name: string; email: string; phone: string };
  /** The debtor's signed portal link: overview, pay, plan, promise, dispute, contact preferences. */
  portalUrl: string;
  /** The instalment a plan reminder is about. */
  instalment?: { amount: Money; dueDate: string } | undefined;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

interface Wording {
  /** `instalment` reads "50,00 € am 15. Mai 2026" (plan reminders only). */
  subject: (total: string, instalment: string) => string;
  greeting: (name: string) => string;
  body: (total: string, instalment: string) => string;
  invoiceLine: (id: string, amount: string, due: string) => string;
  closing: string;
  contact: (c: ReminderContext['creditor']) => string;
  portal: string;
  unsubscribe: string;
}

// Respectful and clear: the debtor is still a customer. No threats, no legal jargon.
const wordings: Record<
  Locale,
  Record<ReminderTemplate, Pick<Wording, 'subject' | 'body'>> & Omit<Wording, 'subject' | 'body'>
> = {
  de: {
    'reminder-1': {
      subject: (t) => `Zahlungserinnerung: ${t} offen`,
      body: (t) =>
        `vielleicht ist es Ihnen entgangen: Bei uns ist noch ein Betrag von ${t} offen. Bitte überweisen Sie ihn in den nächsten Tagen. Falls Sie bereits gezahlt haben, betrachten Sie diese Nachricht bitte als gegenstandslos.`,
    },
    'reminder-2': {
      subject: (t) => `Zweite Erinnerung: ${t} noch offen`,
      body: (t) =>
        `wir haben noch keinen Zahlungseingang über ${t} gesehen. Wenn etwas nicht stimmt oder Sie Unterstützung bei der Zahlung brauchen, melden Sie sich gerne bei uns – gemeinsam finden wir eine Lösung.`,
    },
    'final-notice': {
      subject: (t) => `Letzte Erinnerung: ${t} offen`,
      body: (t) =>
        `der Betrag von ${t} ist weiterhin offen. Bitte begleichen Sie ihn oder sprechen Sie mit uns, damit wir die Angelegenheit ohne weitere Schritte klären können.`,
    },
    confirmation: {
      subject: (t) => `Unser Gespräch: ${t} offen`,
      body: (t) =>
        `vielen Dank für das Gespräch. Wie besprochen ist bei uns noch ein Betrag von ${t} offen. Hier finden Sie die Übersicht; bei Fragen erreichen Sie uns jederzeit.`,
    },
    'dispute-received': {
      subject: () => 'Wir haben Ihren Einwand erhalten',
      body: (t) =>
        `vielen Dank für Ihre Nachricht. Wir prüfen Ihren Einwand zu dem offenen Betrag von ${t} und melden uns bei Ihnen. Bis dahin erhalten Sie von uns keine Zahlungserinnerungen.`,
    },
    'plan-reminder': {
      subject: (_t, i) => `Ihre nächste Rate: ${i}`,
      body: (_t, i) =>
        `eine kurze Erinnerung an Ihre Ratenzahlung: Die nächste Rate über ${i} steht an. Vielen Dank, dass Sie den Plan einhalten.`,
    },
    greeting: (n) => `Guten Tag ${n},`,
    invoiceLine: (id, a, d) => `Rechnung ${id}: ${a}, fällig am ${d}`,
    closing: 'Freundliche Grüße',
    contact: (c) => `Fragen? ${c.email} · ${c.phone}`,
    portal: 'Übersicht und Zahlung:',
    unsubscribe: 'Keine E-Mails mehr zu dieser Forderung? Abmelden über den Link im Kopf dieser E-Mail.',
  },
  en: {
    'reminder-1': {
      subject: (t) => `Payment reminder: ${t} outstanding`,
      body: (t) =>
        `this may have slipped through: an amount of ${t} is still open with us. Please transfer it within the next few days. If you have already paid, please disregard this message.`,
    },
    'reminder-2': {
      subject: (t) => `Second reminder: ${t} still open`,
      body: (t) =>
        `we have not yet received your payment of ${t}. If something is wrong or you need help paying, please get in touch – we will find a solution together.`,
    },
    'final-notice': {
      subject: (t) => `Final reminder: ${t} outstanding`,
      body: (t) =>
        `the amount of ${t} is still open. Please settle it or talk to us so we can resolve this without further steps.`,
    },
    confirmation: {
      subject: (t) => `Our conversation: ${t} outstanding`,
      body: (t) =>
        `thank you for talking with us. As discussed, an amount of ${t} is still open. Here is the overview; if you have questions, we are happy to help.`,
    },
    'dispute-received': {
      subject: () => 'We have received your objection',
      body: (t) =>
        `thank you for your message. We are reviewing your objection to the open amount of ${t} and will get back to you. Until then you will receive no payment reminders from us.`,
    },
    'plan-reminder': {
      subject: (_t, i) => `Your next instalment: ${i}`,
      body: (_t, i) =>
        `a short reminder about your payment plan: the next instalment of ${i} is coming up. Thank you for keeping to the plan.`,
    },
    greeting: (n) => `Hello ${n},`,
    invoiceLine: (id, a, d) => `Invoice ${id}: ${a}, due on ${d}`,
    closing: 'Kind regards',
    contact: (c) => `Questions? ${c.email} · ${c.phone}`,
    portal: 'Overview and payment:',
    unsubscribe: 'No more e-mails about this claim? Unsubscribe with the link in this e-mail’s header.',
  },
};

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch,
  );

export function renderReminder(ctx: ReminderContext): RenderedEmail {
  const w = wordings[ctx.locale];
  const step = w[ctx.template];
  const total = formatMoney(ctx.total, ctx.locale);
  const instalment = ctx.instalment
    ? `${formatMoney(ctx.instalment.amount, ctx.locale)} ${ctx.locale === 'de' ? 'am' : 'on'} ${formatDueDate(ctx.instalment.dueDate, ctx.locale)}`
    : '';
  const lines = ctx.invoices.map((inv) =>
    w.invoiceLine(inv.id, formatMoney(inv.open, ctx.locale), formatDueDate(inv.dueDate, ctx.locale)),
  );
  const paragraphs = [w.greeting(ctx.debtorName), step.body(total, instalment)];
  const footer = [w.closing, ctx.creditor.name, w.contact(ctx.creditor), '', w.unsubscribe];
  const text = [
    ...paragraphs,
    '',
    ...lines.map((l) => `- ${l}`),
    '',
    `${w.portal} ${ctx.portalUrl}`,
    '',
    ...footer,
  ].join('\n');
  const html = [
    `<!doctype html><html lang="${ctx.locale}"><body style="font-family:sans-serif;line-height:1.5">`,
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    `<ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`,
    `<p><a href="${escapeHtml(ctx.portalUrl)}">${escapeHtml(w.portal)} ${escapeHtml(ctx.portalUrl)}</a></p>`,
    `<p>${footer.slice(0, 3).map(escapeHtml).join('<br>')}</p>`,
    `<p style="color:#666;font-size:smaller">${escapeHtml(w.unsubscribe)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: step.subject(total, instalment), text, html };
}
