import type { ActivityDeps } from '../../activities/index.js';
import type { Mailer } from '../../channels/email/mailer.js';
import { LinkSigner } from '../../channels/links.js';
import type { Database } from '../../db/database.js';

export const TEST_PUBLIC_URL = 'http://mahnwerk.test';

/** The real activities' dependencies for workflow tests: real database, real SMTP, real links. */
export function testActivityDeps(db: Database, mailer: Mailer): ActivityDeps {
  return {
    db,
    mailer,
    config: {
      creditor: { name: 'Creditor GmbH', email: 'billing@creditor.test', phone: '+49 30 1' },
      http: { publicUrl: TEST_PUBLIC_URL },
      portalLinkDays: 30,
    },
    links: new LinkSigner('test-secret-0123456789abcdefghijklmnop'),
  };
}
