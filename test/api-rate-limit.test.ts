import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { storeApiKey } from '../db/api-keys.js';
import { startProduct, type RunningProduct } from './setup/harness.js';

const LIMIT = 3;

/**
 * Rate limits per API key on /v1 (web/api-rate-limit.ts) and MAHNWERK_TRUST_PROXY: behind a trusted
 * proxy, the client address the audit log records is the one in X-Forwarded-For.
 */
describe('API rate limits per key, behind a trusted proxy', () => {
  let product: RunningProduct;

  beforeAll(async () => {
    product = await startProduct(inject('temporalAddress'), 'pglite', {
      role: 'api',
      env: {
        API_RATE_LIMIT: String(LIMIT),
        API_RATE_WINDOW_SECONDS: '60',
        MAHNWERK_TRUST_PROXY: '127.0.0.1/32',
      },
    });
  });
  afterAll(async () => {
    await product?.stop();
  });

  const get = (key: string) =>
    fetch(`${product.apiUrl}/v1/cases`, { headers: { authorization: `Bearer ${key}` } });

  it('one key exhausts its budget and gets 429 with Retry-After while another key still gets 200', async () => {
    const busy = await storeApiKey(product.db, 'busy', { scopes: ['read'] });
    const calm = await storeApiKey(product.db, 'calm', { scopes: ['read'] });

    for (let call = 1; call <= LIMIT; call++) {
      const answer = await get(busy.key);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('ratelimit-limit')).toBe(String(LIMIT));
      expect(answer.headers.get('ratelimit-remaining')).toBe(String(LIMIT - call));
      expect(Number(answer.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    }
    const refused = await get(busy.key);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(await refused.json()).toMatchObject({
      error: 'rate_limited',
      message: expect.stringContaining('busy'),
    });

    // Keyed by API key, not address: the same client with another key is not held back.
    const other = await get(calm.key);
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-remaining')).toBe(String(LIMIT - 1));
  });

  it('documents 429 with Retry-After and the RateLimit headers on every /v1 operation', async () => {
    const document = (await (await fetch(`${product.apiUrl}/docs/json`)).json()) as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>
      >;
    };
    const operations = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({ at: `${method} ${path}`, op })),
      );
    expect(operations.length).toBeGreaterThan(20);
    const undocumented = operations.filter(
      ({ op }) =>
        !op.responses['429']?.headers?.['Retry-After'] ||
        !op.responses['429']?.headers?.['RateLimit-Remaining'],
    );
    expect(undocumented.map((o) => o.at)).toEqual([]);
  });

  it('records the forwarded client address of a trusted proxy, not the proxy’s', async () => {
    const writer = await storeApiKey(product.db, 'writer', { scopes: ['billing'] });
    const answer = await fetch(`${product.apiUrl}/v1/debtors/proxy-1`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${writer.key}`,
        'content-type': 'application/merge-patch+json',
        'x-forwarded-for': '203.0.113.7',
      },
      body: JSON.stringify({ name: 'Nobody' }),
    });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    const entry = await product.db
      .selectFrom('audit_log')
      .select('detail')
      .where('actor', '=', `api-key:${writer.id}`)
      .executeTakeFirstOrThrow();
    expect(entry.detail).toMatchObject({ ip: '203.0.113.7' });
  });
});
