import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAgentTask } from '../db/agent-tasks.js';
import { storeApiKey } from '../db/api-keys.js';
import { audit } from '../db/audit.js';
import { migrateToLatest, openDatabase } from '../db/database.js';
import { createPostgresDatabase, startProduct, testDatabases, type RunningProduct } from './setup/harness.js';
import { inboxLogin } from './setup/inbox-login.js';

/**
 * The audit log: append-only in the database itself, written by the API, the inbox and the
 * places that change flags and consents, read through GET /v1/audit (admin scope) and /inbox/audit.
 */
describe.each(testDatabases)('the audit log on %s', (database) => {
  it('refuses UPDATE, DELETE and TRUNCATE', async () => {
    const postgres = database === 'postgres' ? await createPostgresDatabase() : undefined;
    const db = openDatabase({ url: postgres?.url });
    try {
      await migrateToLatest(db);
      await audit(db, { actor: 'system', action: 'retention.purged', detail: { cases: 0 } });
      await expect(db.updateTable('audit_log').set({ actor: 'someone-else' }).execute()).rejects.toThrow(
        /append-only: UPDATE refused/,
      );
      await expect(db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only: DELETE refused/);
      await expect(db.executeQuery(truncate(db))).rejects.toThrow(/append-only: TRUNCATE refused/);
      expect(await db.selectFrom('audit_log').select(['actor', 'action']).execute()).toEqual([
        { actor: 'system', action: 'retention.purged' },
      ]);
    } finally {
      await db.destroy();
      await postgres?.drop();
    }
  });
});

const truncate = (db: ReturnType<typeof openDatabase>) =>
  // Kysely has no TRUNCATE builder; a raw statement through the same connection.
  ({ ...db.selectFrom('audit_log').selectAll().compile(), sql: 'truncate audit_log' });

interface AuditPage {
  entries: {
    id: number;
    actor: string;
    action: string;
    debtorId: string | null;
    route: string | null;
    detail: Record<string, unknown>;
  }[];
  nextCursor: string | null;
}

describe('audit entries through the product', () => {
  let product: RunningProduct;
  const PASSWORD = 'correct-horse-battery';
  const profile = (flags: string[] = []) => ({
    name: 'Greta Geheim',
    locale: 'en',
    timezone: 'Europe/Berlin',
    email: 'greta@example.com',
    flags,
  });
  const readAudit = async (query: string, key?: string) => {
    const answer = await product.request('GET', `/v1/audit?${query}`, undefined, key);
    return { status: answer.status, page: answer.body as AuditPage };
  };

  beforeAll(async () => {
    product = await startProduct(inject('temporalAddress'));
  });
  afterAll(async () => {
    await product?.stop();
  });

  it('records changes by key, route and debtor; only an admin key reads them, filtered and by cursor', async () => {
    const billing = await storeApiKey(product.db, 'billing system', { scopes: ['billing'] });
    expect((await product.request('PUT', '/v1/debtors/aud-1', profile(), billing.key)).status).toBe(201);
    expect(
      (await product.request('PUT', '/v1/debtors/aud-1', profile(['deceased']), billing.key)).status,
    ).toBe(200);
    // A refused change is recorded too, with its status.
    expect((await product.request('PUT', '/v1/debtors/aud-1', { name: 1 }, billing.key)).status).toBe(400);

    const refused = await readAudit('debtorId=aud-1', billing.key);
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.page)).toContain('admin');

    const { status, page } = await readAudit('debtorId=aud-1&action=api.change');
    expect(status).toBe(200);
    expect(page.entries.map((e) => [e.actor, e.route, e.debtorId, e.detail.status])).toEqual([
      [`api-key:${billing.id}`, 'PUT /v1/debtors/:debtorId', 'aud-1', 400],
      [`api-key:${billing.id}`, 'PUT /v1/debtors/:debtorId', 'aud-1', 200],
      [`api-key:${billing.id}`, 'PUT /v1/debtors/:debtorId', 'aud-1', 201],
    ]);
    const flags = await readAudit('debtorId=aud-1&action=flags.changed');
    expect(flags.page.entries.map((e) => [e.actor, e.detail])).toEqual([
      ['billing', { before: [], after: ['deceased'], source: 'billing' }],
    ]);
    // Reads are not changes; the audit read itself leaves no entry.
    expect(
      (await readAudit('actor=' + encodeURIComponent(`api-key:${billing.id}`))).page.entries,
    ).toHaveLength(3);

    // Walking by cursor, one at a time, gives every entry once, newest first.
    const seen: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const next = await readAudit(`debtorId=aud-1&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...next.page.entries.map((e) => e.id));
      cursor = next.page.nextCursor;
    }
    expect(seen).toHaveLength(4);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await readAudit(`debtorId=aud-1&from=${encodeURIComponent(future)}`)).page.entries).toEqual([]);
    expect((await readAudit(`debtorId=aud-1&to=${encodeURIComponent(future)}`)).page.entries).toHaveLength(4);
    const bad = await product.request('GET', '/v1/audit?cursor=abc');
    expect(bad.status).toBe(400);
    expect((bad.body as { issues: { field: string }[] }).issues[0]?.field).toBe('cursor');
  });

  it('records staff logins, failed logins and contact-data views; the inbox page is for admins', async () => {
    const created = await product.request('POST', '/v1/agents', {
      email: 'ada@agents.test',
      name: 'Ada Admin',
      skills: ['lang:en', 'lang:de'],
      role: 'admin',
      password: PASSWORD,
    });
    expect(created.status).toBe(201);
    const adminId = (created.body as { id: string }).id;
    const agentAnswer = await product.request('POST', '/v1/agents', {
      email: 'otto@agents.test',
      name: 'Otto Agent',
      skills: ['lang:en'],
      role: 'agent',
      password: PASSWORD,
    });
    expect(agentAnswer.status).toBe(201);

    expect((await login('ada@agents.test', 'wrong password!!')).status).toBe(401);
    const failed = await readAudit('action=staff.login-failed');
    expect(failed.page.entries.map((e) => [e.actor, e.detail.reason])).toEqual([
      ['login:ada@agents.test', 'wrong-password'],
    ]);

    const admin = await login('ada@agents.test', PASSWORD);
    expect(admin.status).toBe(303);
    expect((await readAudit(`action=staff.login&actor=agent:${adminId}`)).page.entries).toHaveLength(1);

    expect((await product.request('PUT', '/v1/debtors/aud-2', profile())).status).toBe(201);
    await createAgentTask(product.db, {
      debtorId: 'aud-2',
      taskKey: 'aud-2/call',
      kind: 'call',
      label: 'Call the debtor',
      dueAt: Date.now(),
      source: 'operator',
    });
    const task = await product.db
      .selectFrom('agent_tasks')
      .select('id')
      .where('debtor_id', '=', 'aud-2')
      .executeTakeFirstOrThrow();
    const view = await fetch(`${product.apiUrl}/inbox/tasks/${task.id}`, {
      headers: { cookie: admin.cookie },
    });
    expect(view.status).toBe(200);
    expect(await view.text()).toContain('greta@example.com');
    const views = await readAudit('action=contact.viewed&debtorId=aud-2');
    expect(views.page.entries.map((e) => [e.actor, e.route])).toEqual([
      [`agent:${adminId}`, `/inbox/tasks/${task.id}`],
    ]);

    const adminPage = await fetch(`${product.apiUrl}/inbox/audit?debtorId=aud-2&action=`, {
      headers: { cookie: admin.cookie },
    });
    expect(adminPage.status).toBe(200);
    const html = await adminPage.text();
    expect(html).toContain('contact.viewed');
    expect(html).not.toContain('<td>staff.login</td>');

    const agent = await login('otto@agents.test', PASSWORD);
    const forbidden = await fetch(`${product.apiUrl}/inbox/audit`, { headers: { cookie: agent.cookie } });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.text()).toContain('Only admins read the audit log.');
  });

  const login = (email: string, password: string) => inboxLogin(product.apiUrl, email, password);
});
