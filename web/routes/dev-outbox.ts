import type { FastifyPluginAsync } from 'fastify';
import type { CaughtEmail, SmtpOutbox } from '../../dev/smtp-outbox.js';

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch,
  );

function renderOutbox(messages: CaughtEmail[]): string {
  const rows = messages
    .slice()
    .reverse()
    .map(
      (m) => `<article>
  <h2>${escapeHtml(m.subject)}</h2>
  <p><small>${escapeHtml(m.receivedAt)} · to ${escapeHtml(m.to.join(', '))} · ${escapeHtml(m.messageId ?? '')}</small></p>
  <pre>${escapeHtml(m.text)}</pre>
</article>`,
    );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Mahnwerk dev outbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}article{border-bottom:1px solid #ccc}pre{white-space:pre-wrap}</style>
</head><body><h1>Dev outbox</h1><p>${messages.length} e-mail(s) caught by the loopback SMTP server. <a href="/dev/outbox.json">JSON</a></p>
${rows.join('\n') || '<p>Nothing sent yet.</p>'}</body></html>`;
}

/** Development only: what the embedded SMTP server received. */
export const devOutboxRoutes: FastifyPluginAsync<{ outbox: SmtpOutbox }> = async (app, { outbox }) => {
  app.get('/dev/outbox', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(renderOutbox(outbox.messages())),
  );
  app.get('/dev/outbox.json', { schema: { hide: true } }, async () => ({ emails: outbox.messages() }));
};
