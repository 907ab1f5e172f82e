import { describe, it, expect } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { createMailer, PermanentEmailError, TransientEmailError } from '../channels/email/mailer.js';
import { startSmtpOutbox } from '../dev/smtp-outbox.js';

/** A loopback SMTP server that refuses every recipient with the given reply code. */
async function startRejectingServer(responseCode: number) {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 500,
    onRcptTo(_address, _session, callback) {
      callback(Object.assign(new Error('Recipient refused'), { responseCode }));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    url: `smtp://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('SMTP outbox + mailer', () => {
  it('catches a German dunning mail with its Message-ID and one-click unsubscribe headers', async () => {
    const outbox = await startSmtpOutbox({ port: 0 });
    const mailer = createMailer({ smtpUrl: outbox.url, from: 'Mahnwerk <mahnung@mahnwerk.test>' });
    try {
      const messageId = '<case-4711.stage-1@mahnwerk>';
      const unsubscribeUrl = 'https://mahnwerk.test/abmelden?token=a1b2c3';
      const subject = 'Zahlungserinnerung: Rechnung 2024-0815 über 123,45 €';
      const text =
        'Sehr geehrte Frau Müller,\n\nbitte begleichen Sie den offenen Betrag von 123,45 €.\n\nGrüße';
      const html =
        '<p>Sehr geehrte Frau Müller,</p><p>bitte begleichen Sie den offenen Betrag von 123,45 €.</p>';

      const sent = await mailer.send({
        to: 'erika.mueller@example.test',
        subject,
        text,
        html,
        messageId,
        listUnsubscribeUrl: unsubscribeUrl,
      });
      expect(sent.messageId).toBe(messageId);
      expect(sent.accepted).toEqual(['erika.mueller@example.test']);
      expect(sent.rejected).toEqual([]);

      const caught = await outbox.waitFor((m) => m.messageId === messageId);
      expect(caught.to).toEqual(['erika.mueller@example.test']);
      expect(caught.from).toContain('mahnung@mahnwerk.test');
      expect(caught.subject).toBe(subject);
      expect(caught.text.trim()).toBe(text);
      expect(caught.html?.trim()).toBe(html);
      expect(caught.headers['message-id']).toBe(messageId);
      expect(caught.headers['list-unsubscribe']).toContain(`<${unsubscribeUrl}>`);
      expect(caught.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
      expect(outbox.messages()).toHaveLength(1);

      await expect(outbox.waitFor(() => false, 50)).rejects.toThrow(/within 50 ms/);
      outbox.clear();
      expect(outbox.messages()).toEqual([]);
    } finally {
      mailer.close();
      await outbox.close();
    }
  });

  it('recognises a resend by its Message-ID: listed once, the copy kept apart as a resend', async () => {
    const outbox = await startSmtpOutbox({ port: 0 });
    const mailer = createMailer({ smtpUrl: outbox.url, from: 'mahnung@mahnwerk.test' });
    const seen: string[] = [];
    const unsubscribe = outbox.onMessage((m) => seen.push(m.subject));
    const mail = (messageId: string, subject: string) =>
      mailer.send({ to: 'a@example.test', subject, text: subject, html: `<p>${subject}</p>`, messageId });
    try {
      await mail('<same@mahnwerk>', 'first');
      await mail('<same@mahnwerk>', 'resent after a crash');
      await mail('<other@mahnwerk>', 'second');
      expect(outbox.messages().map((m) => m.subject)).toEqual(['first', 'second']);
      expect(outbox.resends().map((m) => [m.messageId, m.subject])).toEqual([
        ['<same@mahnwerk>', 'resent after a crash'],
      ]);
      expect(seen).toEqual(['first', 'second']);
      unsubscribe();
      await mail('<third@mahnwerk>', 'third');
      expect(seen).toEqual(['first', 'second']);
    } finally {
      mailer.close();
      await outbox.close();
    }
  });

  it('maps a 550 RCPT rejection to PermanentEmailError', async () => {
    const server = await startRejectingServer(550);
    const mailer = createMailer({ smtpUrl: server.url, from: 'mahnung@mahnwerk.test' });
    try {
      const error = await mailer
        .send({
          to: 'gibtsnicht@example.test',
          subject: 'x',
          text: 'x',
          html: '<p>x</p>',
          messageId: '<p@mahnwerk>',
        })
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(PermanentEmailError);
      expect(error).toMatchObject({ responseCode: 550, address: 'gibtsnicht@example.test' });
    } finally {
      mailer.close();
      await server.close();
    }
  });

  it('maps a 451 RCPT rejection to TransientEmailError', async () => {
    const server = await startRejectingServer(451);
    const mailer = createMailer({ smtpUrl: server.url, from: 'mahnung@mahnwerk.test' });
    try {
      const error = await mailer
        .send({
          to: 'spaeter@example.test',
          subject: 'x',
          text: 'x',
          html: '<p>x</p>',
          messageId: '<t@mahnwerk>',
        })
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(TransientEmailError);
      expect(error).toMatchObject({ responseCode: 451 });
    } finally {
      mailer.close();
      await server.close();
    }
  });
});
