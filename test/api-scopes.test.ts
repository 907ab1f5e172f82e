import { describe, expect, it } from 'vitest';
import { ApiKeyCommandError, runApiKeyCommand } from '../cli/api-keys.js';
import { authenticateApiKey } from '../db/api-keys.js';
import { migrateToLatest, openDatabase } from '../db/database.js';
import { scopesFor } from '../web/api-auth.js';

describe('API key scopes', () => {
  it('each scope reaches exactly its routes; an unnamed route is for admins', () => {
    const table: [string, string, string[]][] = [
      ['PUT', '/v1/debtors/:debtorId', ['billing']],
      ['PATCH', '/v1/debtors/:debtorId', ['billing']],
      ['GET', '/v1/debtors/:debtorId', ['billing', 'read']],
      ['POST', '/v1/debtors/:debtorId/payments', ['billing']],
      ['POST', '/v1/imports', ['billing']],
      ['GET', '/v1/cases', ['read']],
      ['GET', '/v1/kpis', ['read', 'manager']],
      ['GET', '/v1/kpis/agents', ['read', 'manager']],
      ['POST', '/v1/experiments', ['manager', 'admin']],
      ['POST', '/v1/experiments/:id/promote', ['manager', 'admin']],
      ['GET', '/v1/experiments/:id/results', ['manager', 'admin']],
      ['PUT', '/v1/policies/draft', ['manager', 'admin']],
      ['POST', '/v1/policies/publish', ['manager', 'admin']],
      ['GET', '/v1/policies', ['manager', 'admin']],
      ['POST', '/v1/cases/:debtorId/promise', ['billing', 'agent-api']],
      ['POST', '/v1/agent-tasks/:id/claim', ['agent-api']],
      ['GET', '/v1/agent-tasks', ['agent-api', 'read']],
      ['POST', '/v1/agents', ['agent-api']],
      ['GET', '/v1/audit', ['admin']],
      ['GET', '/v1/debtors/:debtorId/export', ['admin']],
      ['DELETE', '/v1/debtors/:debtorId', ['admin']],
      ['POST', '/v1/webhook-subscriptions', ['admin']],
      ['POST', '/v1/dev/demo-history', ['admin']],
      ['POST', '/v1/something-new', ['admin']],
    ];
    for (const [method, route, scopes] of table)
      expect([method, route, scopesFor(method, route)]).toEqual([method, route, scopes]);
  });

  it('api-key create, list and revoke: the key works with its scopes until revoked', async () => {
    const db = openDatabase({ url: undefined });
    try {
      await migrateToLatest(db);
      const created = await runApiKeyCommand(db, 'create', { name: 'crm', scopes: 'read,agent-api' });
      const key = created.split('\n').at(-1)!;
      const identity = await authenticateApiKey(db, key);
      expect(identity).toMatchObject({ name: 'crm', scopes: ['read', 'agent-api'] });
      const listed = await runApiKeyCommand(db, 'list', {});
      expect(listed).toContain(`${identity!.id}\tcrm\tread,agent-api\t`);
      // The use was noted.
      expect(listed).not.toMatch(new RegExp(`${identity!.id}\\tcrm\\tread,agent-api\\t\\S+\\t-\\t`));
      const steering = await runApiKeyCommand(db, 'create', { name: 'bi', scopes: 'manager' });
      expect(await authenticateApiKey(db, steering.split('\n').at(-1)!)).toMatchObject({
        scopes: ['manager'],
      });
      await expect(runApiKeyCommand(db, 'create', { name: 'x', scopes: 'everything' })).rejects.toThrow(
        ApiKeyCommandError,
      );
      expect(await runApiKeyCommand(db, 'revoke', { id: identity!.id })).toContain('revoked');
      expect(await authenticateApiKey(db, key)).toBeUndefined();
      await expect(runApiKeyCommand(db, 'revoke', { id: identity!.id })).rejects.toThrow(/no unrevoked key/);
    } finally {
      await db.destroy();
    }
  });
});
