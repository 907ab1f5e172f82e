import { formatDueDate } from '../../domain/dates.js';
import { formatMoney, type Money } from '../../domain/money.js';

export type ReminderTemplate = 'reminder-1' | 'reminder-2' | 'final-notice' | 'confirmation';
export type Locale = 'de' | 'en';

export interface ReminderContext {
  template: ReminderTemplate;
  locale: Locale;
  debtorName: string;
  total: Money;
  invoices: { id: string; open: Money; dueDate: string }[];
  creditor: { name: string; email: string; phone: string };
  /** The debtor's signed portal link: overview and, later, pay, plan, promise, dispute. */
  portalUrl: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

interface Wording {
  subject: (total: string) => string;
  greeting: (name: string) => string;
  body: (total: string) => string;
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
  const lines = ctx.invoices.map((inv) =>
    w.invoiceLine(inv.id, formatMoney(inv.open, ctx.locale), formatDueDate(inv.dueDate, ctx.locale)),
  );
  const paragraphs = [w.greeting(ctx.debtorName), step.body(total)];
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
  return { subject: step.subject(total), text, html };
}
