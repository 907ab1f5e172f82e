import type { ActivityDeps } from '../../activities/index.js';
import { createMailer, type Mailer } from '../../channels/email/mailer.js';
import { LinkSigner } from '../../channels/links.js';
import { migrateToLatest, openDatabase, type Database } from '../../db/database.js';
import { startSmtpOutbox, type SmtpOutbox } from '../../dev/smtp-outbox.js';

export const TEST_PUBLIC_URL = 'http://mahnwerk.test';

/** The real activities' dependencies for workflow tests: real database, real SMTP, real links. */
export function testActivityDeps(db: Database, mailer: Mailer): ActivityDeps {
  return {
    db,
    mailer,
    config: {
      creditor: {
        name: 'Creditor GmbH',
        email: 'billing@creditor.test',
        phone: '+49 30 1',
        address: ['Am Markt 1', '12345 Musterstadt'],
        country: 'DE',
      },
      http: { publicUrl: TEST_PUBLIC_URL },
      portalLinkDays: 30,
    },
    links: new LinkSigner('test-secret-0123456789abcdefghijklmnop'),
  };
}

export interface TestChannels {
  db: Database;
  outbox: SmtpOutbox;
  mailer: Mailer;
  close(): Promise<void>;
}

/** An in-memory PGlite, migrated, and a loopback SMTP outbox with a mailer pointed at it. */
export async function startTestChannels(): Promise<TestChannels> {
  const db = openDatabase({ url: undefined });
  await migrateToLatest(db);
  const outbox = await startSmtpOutbox({ port: 0 });
  const mailer = createMailer({ smtpUrl: outbox.url, from: 'Creditor <billing@creditor.test>' });
  return {
    db,
    outbox,
    mailer,
    async close() {
      mailer.close();
      await outbox.close();
      await db.destroy();
    },
  };
}
