import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cspViolations, launchBrowser, watchCsp } from './setup/browser.js';
import { startProduct, type RunningProduct } from './setup/harness.js';
import { loginToInbox } from './setup/inbox-login.js';

const PASSWORD = 'a long manager password';

/** @fastify/helmet with the content security policy of web/security-headers.ts. */
describe('security headers and the content security policy', () => {
  let product: RunningProduct;
  let browser: Browser;

  beforeAll(async () => {
    product = await startProduct(inject('temporalAddress'), 'pglite', { role: 'api' });
    browser = await launchBrowser();
    const created = await product.request('POST', '/v1/agents', {
      email: 'mia@managers.test',
      name: 'Mia Manager',
      skills: ['lang:en'],
      role: 'manager',
      password: PASSWORD,
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await browser?.close();
    await product?.stop();
  });

  it('the portal, the inbox and the cockpit answer with the CSP and the other headers', async () => {
    const manager = await loginToInbox(product.apiUrl, 'mia@managers.test', PASSWORD);
    expect(manager.status).toBe(303);
    const pages = {
      portal: await fetch(`${product.apiUrl}/p/not-a-valid-link`),
      inbox: await fetch(`${product.apiUrl}/inbox/login`),
      cockpit: await fetch(`${product.apiUrl}/cockpit`, { headers: { cookie: manager.cookie } }),
    };
    expect(pages.cockpit.status).toBe(200);
    for (const [name, answer] of Object.entries(pages)) {
      const csp = answer.headers.get('content-security-policy') ?? '';
      const directives = new Map(
        csp.split(';').map((d) => {
          const [key = '', ...values] = d.trim().split(/\s+/);
          return [key, values] as const;
        }),
      );
      expect(directives.get('script-src'), name).toEqual(["'self'"]);
      expect(directives.get('frame-ancestors'), name).toEqual(["'none'"]);
      expect(directives.get('object-src'), name).toEqual(["'none'"]);
      expect(directives.get('style-src')?.[0], name).toBe("'self'");
      expect(
        directives
          .get('style-src')
          ?.slice(1)
          .every((s) => s.startsWith("'sha256-")),
        name,
      ).toBe(true);
      expect(csp, name).not.toContain('unsafe-inline');
      // Plain http (the embedded default): no upgrade, no HSTS.
      expect(directives.has('upgrade-insecure-requests'), name).toBe(false);
      expect(answer.headers.get('strict-transport-security'), name).toBeNull();
      expect(answer.headers.get('x-frame-options'), name).toBe('DENY');
      expect(answer.headers.get('x-content-type-options'), name).toBe('nosniff');
      expect(answer.headers.get('referrer-policy'), name).toBe('no-referrer');
      expect(answer.headers.get('cross-origin-opener-policy'), name).toBe('same-origin');
    }
  });

  it('a page loads its styles without a violation, and a script injected into it is refused', async () => {
    const page = await watchCsp(await (await browser.newContext({ baseURL: product.apiUrl })).newPage());
    await page.goto('/inbox/login');
    // The inline style applies: the inbox header is dark blue.
    expect(await page.evaluate('getComputedStyle(document.querySelector("header")).backgroundColor')).toBe(
      'rgb(11, 61, 110)',
    );
    expect(cspViolations.splice(0)).toEqual([]);

    // What an injection would try: an inline script and an inline style attribute.
    await page.evaluate(`(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.body.append(script);
      document.body.insertAdjacentHTML('beforeend', '<p id="styled" style="color: rgb(255, 0, 0)">x</p>');
    })()`);
    expect(await page.evaluate('window.injected')).toBeUndefined();
    expect(await page.evaluate('getComputedStyle(document.getElementById("styled")).color')).not.toBe(
      'rgb(255, 0, 0)',
    );
    await expect.poll(() => cspViolations.length).toBeGreaterThanOrEqual(2);
    expect(cspViolations.splice(0).join('\n')).toMatch(/script-src|script-src-elem/);
  });
});
