import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { LetterSink, SinkLetter } from '../../dev/letter-sink.js';
import type { SinkMessage, SmsSink } from '../../dev/sms-sink.js';
import type { CaughtEmail, SmtpOutbox } from '../../dev/smtp-outbox.js';
import { acceptForms } from '../forms.js';
import { inlineStyle } from '../inline-style.js';
import { escapeHtml } from '../pages.js';

export interface DevOutboxOptions {
  outbox: SmtpOutbox;
  /** The loopback Twilio stand-in, when the product runs without a Twilio account. */
  sms: SmsSink | undefined;
  /** The loopback print-and-mail stand-in, when the product runs without a print service. */
  letters: LetterSink | undefined;
  /** The product's public URL: `pdfUrl` in /dev/outbox.json is absolute. */
  publicUrl: string;
  /** Where a debtor's reply is posted, as Twilio would: the product's inbound webhook. */
  inboundWebhookUrl: string;
}

const letterFile = z.object({ file: z.string().regex(/^ltr_[0-9a-f]{32}\.pdf$/, 'ltr_<id>.pdf') });

const replyForm = z.object({
  from: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number'),
  to: z.string().min(1),
  body: z.string().trim().min(1).max(1600),
});

function emailArticle(m: CaughtEmail): string {
  return `<article>
  <h3>${escapeHtml(m.subject)}</h3>
  <p><small>${escapeHtml(m.receivedAt)} · to ${escapeHtml(m.to.join(', '))} · ${escapeHtml(m.messageId ?? '')}</small></p>
  <pre>${escapeHtml(m.text)}</pre>
</article>`;
}

/** Each outbound SMS with its delivery status, and a form to answer it as the debtor would. */
function smsArticle(m: SinkMessage): string {
  const header =
    m.direction === 'inbound'
      ? `reply from ${escapeHtml(m.from)}`
      : `to ${escapeHtml(m.to)} · ${escapeHtml(m.status)} · ${m.numSegments} segment(s), ${m.encoding}`;
  const answer =
    m.direction === 'outbound-api'
      ? `<form method="post" action="/dev/outbox/sms-reply">
  <input type="hidden" name="from" value="${escapeHtml(m.to)}"><input type="hidden" name="to" value="${escapeHtml(m.from)}">
  <label>Reply as ${escapeHtml(m.to)} <input name="body" value="STOP" required maxlength="1600"></label>
  <button type="submit">Send reply</button>
</form>`
      : '';
  return `<article>
  <p><small>${escapeHtml(m.dateCreated)} · ${header} · ${escapeHtml(m.sid)}</small></p>
  <pre>${escapeHtml(m.body)}</pre>${answer}
</article>`;
}

const pdfPath = (letter: SinkLetter) => `/dev/outbox/letters/${letter.id}.pdf`;

/** A letter as the stand-in received it: to whom (the window-envelope lines) and its PDF. */
function letterArticle(l: SinkLetter): string {
  const { street, houseNumber, postcode, city, country } = l.recipient.address;
  return `<article>
  <p><small>${escapeHtml(l.receivedAt)} · ${escapeHtml(l.template)} · debtor ${escapeHtml(l.debtorId)} · ${escapeHtml(l.id)}</small></p>
  <p>${escapeHtml(l.recipient.name)}, ${escapeHtml(`${street} ${houseNumber}, ${postcode} ${city}, ${country}`)}
  · <a href="${escapeHtml(pdfPath(l))}">PDF</a> (${Math.ceil(l.pdfBytes / 1024)} KiB)</p>
</article>`;
}

const OUTBOX_STYLE = inlineStyle(
  'body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}article{border-bottom:1px solid #ccc}pre{white-space:pre-wrap}',
);

function renderOutbox(
  emails: CaughtEmail[],
  sms: SinkMessage[] | undefined,
  letters: SinkLetter[] | undefined,
): string {
  const newestFirst = <T>(list: T[]) => list.slice().reverse();
  const smsSection = sms
    ? `<section><h2>SMS (${sms.length})</h2>${newestFirst(sms).map(smsArticle).join('\n') || '<p>No SMS yet.</p>'}</section>`
    : '';
  const letterSection = letters
    ? `<section><h2>Letters (${letters.length})</h2>${newestFirst(letters).map(letterArticle).join('\n') || '<p>No letters yet.</p>'}</section>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Mahnwerk dev outbox</title>
${OUTBOX_STYLE}
</head><body><h1>Dev outbox</h1><p>What the loopback SMTP server, the Twilio-compatible SMS server and the print-service stand-in received. <a href="/dev/outbox.json">JSON</a></p>
${letterSection}
${smsSection}
<section><h2>E-mail (${emails.length})</h2>${newestFirst(emails).map(emailArticle).join('\n') || '<p>Nothing sent yet.</p>'}</section>
</body></html>`;
}

/** Development only: what the embedded SMTP and SMS servers received, and replies as a debtor. */
export const devOutboxRoutes: FastifyPluginAsync<DevOutboxOptions> = async (app, options) => {
  const { outbox, sms, letters } = options;
  acceptForms(app);
  app.get('/dev/outbox', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .send(renderOutbox(outbox.messages(), sms?.messages(), letters?.letters())),
  );
  app.get('/dev/outbox.json', { schema: { hide: true } }, async () => ({
    emails: outbox.messages(),
    sms: sms?.messages() ?? [],
    letters: (letters?.letters() ?? []).map((l) => ({ ...l, pdfUrl: `${options.publicUrl}${pdfPath(l)}` })),
  }));
  app.get('/dev/outbox/letters/:file', { schema: { hide: true } }, async (request, reply) => {
    const parsed = letterFile.safeParse(request.params);
    const pdf = parsed.success ? letters?.pdf(parsed.data.file.replace(/\.pdf$/, '')) : undefined;
    if (!pdf) {
      return reply
        .status(404)
        .send({ error: 'not_found', message: 'No such letter: take its pdfUrl from /dev/outbox.json' });
    }
    return reply.type('application/pdf').send(pdf);
  });
  if (!sms) return;
  app.post('/dev/outbox/sms-reply', { schema: { hide: true } }, async (request, reply) => {
    const parsed = replyForm.safeParse(request.body);
    if (!parsed.success) {
      return reply.status(400).send({
        error: 'invalid_request',
        message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      });
    }
    // Posted like Twilio: signed, to the inbound webhook, so the product's own checks run.
    const result = await sms.sendInbound({ ...parsed.data, webhookUrl: options.inboundWebhookUrl });
    if (result.responseStatus >= 300) {
      return reply.status(502).send({
        error: 'webhook_failed',
        message: `The inbound webhook answered ${result.responseStatus}`,
      });
    }
    return reply.redirect('/dev/outbox', 303);
  });
};
