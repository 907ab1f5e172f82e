import type { Database } from '../db/database.js';
import { listApiKeys, revokeApiKey, storeApiKey } from '../db/api-keys.js';
import { API_SCOPES, apiScopeListSchema } from '../domain/api-scopes.js';

export class ApiKeyCommandError extends Error {}

export const apiKeyUsage = `api-key create --name <name> [--scopes billing,read,agent-api,manager,admin]
                        create an API key and print it once (default scopes: billing,read)
  api-key list          list keys: id, name, scopes, created, last used, revoked
  api-key revoke --id <id>
                        revoke a key at once (rotate: create the new key, switch, revoke the old)`;

const DEFAULT_SCOPES = ['billing', 'read'] as const;

/** `api-key create|list|revoke`; returns what to print. */
export async function runApiKeyCommand(
  db: Database,
  sub: string | undefined,
  values: { name?: string | undefined; scopes?: string | undefined; id?: string | undefined },
): Promise<string> {
  switch (sub) {
    case 'create': {
      if (!values.name) throw new ApiKeyCommandError('api-key create needs --name <name>');
      const scopes = apiScopeListSchema.safeParse(
        values.scopes?.split(',').map((s) => s.trim()) ?? DEFAULT_SCOPES,
      );
      if (!scopes.success)
        throw new ApiKeyCommandError(`--scopes: use a comma-separated list of ${API_SCOPES.join(', ')}`);
      const { id, key } = await storeApiKey(db, values.name, { scopes: scopes.data });
      return `API key "${values.name}" (id ${id}, scopes ${scopes.data.join(',')}); shown once, store it now:\n${key}`;
    }
    case 'list': {
      const rows = await listApiKeys(db);
      const when = (d: Date | null) => d?.toISOString() ?? '-';
      return [
        'id\tname\tscopes\tcreated\tlast used\trevoked',
        ...rows.map((r) =>
          [
            r.id,
            r.name,
            r.scopes.join(','),
            when(r.created_at),
            when(r.last_used_at),
            when(r.revoked_at),
          ].join('\t'),
        ),
      ].join('\n');
    }
    case 'revoke': {
      if (!values.id) throw new ApiKeyCommandError('api-key revoke needs --id <id> (see api-key list)');
      if (!(await revokeApiKey(db, values.id)))
        throw new ApiKeyCommandError(`no unrevoked key has id ${values.id} (see api-key list)`);
      return `API key ${values.id} revoked.`;
    }
    default:
      throw new ApiKeyCommandError(`api-key create|list|revoke, not "${sub ?? ''}"`);
  }
}
