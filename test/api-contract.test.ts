import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startProduct, TEST_API_KEY, type RunningProduct } from './setup/harness.js';

/**
 * What keeps the server and /docs/json in agreement where zod's schema alone cannot (the README's
 * "The API contract"); schemathesis checks the whole document in .ci/run, these pin the rules.
 */
let product: RunningProduct;
const debtor = {
  name: 'Clara Contract',
  locale: 'de',
  timezone: 'Europe/Berlin',
  email: 'clara@example.com',
};

type Operation = { requestBody?: { content: Record<string, unknown> }; responses: Record<string, unknown> };
type Doc = { paths: Record<string, Record<string, Operation>> };

describe('the API contract', () => {
  beforeAll(async () => {
    product = await startProduct(inject('temporalAddress'));
  });
  afterAll(() => product?.stop());

  it('refuses NUL in any text of a body with a 422 naming the field, and stores nothing', async () => {
    const inValue = await product.request('PUT', '/v1/debtors/nul-1', {
      ...debtor,
      attributes: { note: 'a\u0000b' },
    });
    expect(inValue).toMatchObject({ status: 422, body: { issues: [{ field: 'attributes.note' }] } });
    const inKey = await product.request('PUT', '/v1/debtors/nul-1', {
      ...debtor,
      attributes: { 'k\u0000': 1 },
    });
    expect(inKey).toMatchObject({ status: 422, body: { issues: [{ field: 'attributes.k\u0000' }] } });
    expect((await product.request('GET', '/v1/debtors/nul-1')).status).toBe(404);
  });

  it('drops a __proto__ key from a JSON body instead of refusing the call', async () => {
    const response = await fetch(`${product.apiUrl}/v1/debtors/proto-1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      // Written by hand: JSON.stringify would not emit an own __proto__ key.
      body: `{"name":"Paul Proto","locale":"en","timezone":"UTC","email":"p@example.com","attributes":{"__proto__":{"x":1},"tier":"gold"}}`,
    });
    expect(response.status).toBe(201);
    const stored = await product.request('GET', '/v1/debtors/proto-1');
    expect((stored.body as { attributes: unknown }).attributes).toEqual({ tier: 'gold' });
  });

  it('answers 422 for a rule the document cannot state, 400 for one it states', async () => {
    const window = await product.request('PUT', '/v1/policies/draft', {
      contactPolicy: { windows: { default: { start: '20:00', end: '08:00' } } },
    });
    expect(window).toMatchObject({
      status: 422,
      body: { issues: [{ field: 'contactPolicy.windows.default' }] },
    });
    // Unique days are in the document (uniqueItems): breaking that is malformed.
    const days = await product.request('PUT', '/v1/policies/draft', {
      contactPolicy: { windows: { default: { days: [1, 1] } } },
    });
    expect(days).toMatchObject({
      status: 400,
      body: { issues: [{ field: 'contactPolicy.windows.default.days' }] },
    });

    const doc = (await (await fetch(`${product.apiUrl}/docs/json`)).json()) as Doc;
    const withBody = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(
          ([, operation]) => path.startsWith('/v1/') && operation.requestBody?.content['application/json'],
        )
        .map(([method, operation]) => [`${method} ${path}`, Object.keys(operation.responses)] as const),
    );
    expect(withBody.length).toBeGreaterThanOrEqual(20);
    for (const [operation, statuses] of withBody) expect(statuses, operation).toContain('422');
  });
});
