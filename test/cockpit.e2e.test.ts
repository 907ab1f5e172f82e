import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultUnitCosts } from '../domain/kpis/unit-costs.js';
import { kpiReport } from '../web/kpis/report.js';
import {
  cspViolations,
  launchBrowser,
  screenshot,
  seriousA11yViolations,
  watchCsp,
} from './setup/browser.js';
import { openCaseThroughApi, startProduct, type RunningProduct } from './setup/harness.js';
import { PERSONAL_BEFORE_SMALL_BALANCE } from './setup/rule-orders.js';

/** The strategy cockpit in Chromium: a manager logs in and reads the charts and their tables. */
let product: RunningProduct;
let browser: Browser;
const PASSWORD = 'correct-horse-battery';

async function createStaff(email: string, role: string): Promise<void> {
  const created = await product.request('POST', '/v1/agents', {
    email,
    name: `${role} ${email}`,
    skills: ['lang:de'],
    role,
    password: PASSWORD,
  });
  expect(created.status).toBe(201);
}

async function logIn(email: string, path: string): Promise<Page> {
  const page = await watchCsp(await (await browser.newContext({ baseURL: product.apiUrl })).newPage());
  await page.goto(path);
  await expect.poll(() => page.url()).toContain('/inbox/login');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForLoadState();
  return page;
}

beforeAll(async () => {
  product = await startProduct(inject('temporalAddress'));
  // As `npm run demo` does it: the demo history through the development route, once.
  expect(await product.request('POST', '/v1/dev/demo-history')).toEqual({
    status: 201,
    body: { loaded: true, cases: 40 },
  });
  expect(await product.request('POST', '/v1/dev/demo-history')).toEqual({
    status: 200,
    body: { loaded: false, cases: 40 },
  });
  const marked = await product.db.selectFrom('cases').select('run_id').distinct().execute();
  expect(marked).toEqual([{ run_id: 'demo-history' }]);
  browser = await launchBrowser();
  await createStaff('mia@managers.test', 'manager');
  await createStaff('anna@agents.test', 'agent');
});
// The content security policy blocks nothing these pages need.
afterEach(() => expect(cspViolations.splice(0)).toEqual([]));
afterAll(async () => {
  await browser?.close();
  await product?.stop();
});

describe('strategy cockpit', () => {
  it('a manager sees every chart drawn, with its numbers in a table, in English and German', async () => {
    const page = await logIn('mia@managers.test', '/cockpit');
    await page.waitForURL(`${product.apiUrl}/cockpit`);
    await expect.poll(() => page.locator('canvas[data-drawn="true"]').count()).toBe(6);
    expect(await page.locator('h1').textContent()).toContain('Strategy cockpit (EUR)');

    // The table under the segment recovery curve shows what the KPI query says.
    const rows = await kpiReport(product.db, defaultUnitCosts, { groupBy: 'segment', currency: 'EUR' });
    const assisted = rows.find((r) => r.group === 'assisted');
    expect(assisted?.recoveryRate30).toBeGreaterThan(0);
    const curve = page.locator('table[data-table="recovery-segment"]');
    expect(await curve.locator('thead th').allTextContents()).toEqual(['Group', ...rows.map((r) => r.group)]);
    const at30 = await curve.locator('tbody tr').first().locator('td').allTextContents();
    const percent = new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits: 1 });
    expect(at30).toEqual(
      rows.map((r) => (r.recoveryRate30 === null ? '—' : percent.format(r.recoveryRate30))),
    );
    const funnel = await page.locator('table[data-table="funnel"] tbody th').allTextContents();
    expect(funnel).toEqual(['email', 'sms', 'unknown']);
    expect(await page.locator('table[data-table="roll"] tbody tr').count()).toBe(rows.length);
    await screenshot(page, 'cockpit-en');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Deutsch' }).click();
    await page.waitForURL(/lang=de/);
    expect(await page.locator('html').getAttribute('lang')).toBe('de');
    expect(await page.locator('h1').textContent()).toContain('Strategie-Cockpit');
    await expect.poll(() => page.locator('canvas[data-drawn="true"]').count()).toBe(6);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByLabel('Währung').selectOption('USD');
    await page.getByRole('button', { name: 'Anzeigen' }).click();
    await page.waitForURL(/currency=USD/);
    expect(await page.locator('h1').textContent()).toContain('(USD)');
  });

  it('a manager starts an experiment, then previews and publishes a threshold change, a rule reordering and a cadence (German and English)', async () => {
    const page = await logIn('mia@managers.test', '/cockpit');
    await page.waitForURL(`${product.apiUrl}/cockpit`);
    await page.getByRole('link', { name: 'Experiments' }).click();
    await page.waitForURL(/\/cockpit\/experiments/);
    await page.getByLabel('Segment').selectOption('self-service');
    // An override for a step the strategy does not have is refused, naming the field.
    await page.getByLabel('Name (variant 2)').fill('sms-first');
    await page.getByLabel('Days per step, step=days (variant 2)').fill('nope=1');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('alert').textContent()).toMatch(/variants\.1\.overrides\.cadenceDays\.nope/);
    // Three variants, weights 1:1:2, with a channel order, a cadence and a call timing.
    await page.getByLabel('Segment').selectOption('self-service');
    await page.getByLabel('Name (variant 2)').fill('sms-first');
    await page.getByLabel('Channel order (variant 2)').fill('sms');
    await page.getByLabel('Name (variant 3)').fill('slow-call');
    await page.getByLabel('Weight (variant 3)').fill('2');
    await page.getByLabel('Days per step, step=days (variant 3)').fill('call=3');
    await page.getByLabel('Days to make a call, step=days (variant 3)').fill('call=2');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('status').textContent()).toContain('The experiment runs.');
    const card = page.locator('section[data-experiment]');
    expect(await card.locator('h2').textContent()).toBe('self-service: champion / sms-first / slow-call');
    expect(await card.locator('[data-verdict]').getAttribute('data-verdict')).toBe('too-few-cases');
    const [stored] = (await product.request('GET', '/v1/experiments')).body as {
      segment: string;
      createdBy: string;
      variants: { name: string; overrides: object }[];
    }[];
    expect(stored).toMatchObject({
      segment: 'self-service',
      createdBy: 'mia@managers.test',
      variants: [
        { name: 'champion', weight: 1, overrides: {} },
        { name: 'sms-first', weight: 1, overrides: { channelOrder: ['sms'] } },
        { name: 'slow-call', weight: 2, overrides: { cadenceDays: { call: 3 }, callSlaDays: { call: 2 } } },
      ],
    });
    expect(await seriousA11yViolations(page)).toEqual([]);

    // An open case of 30 € (assisted today): small-balance once the threshold is 60 €.
    await openCaseThroughApi(
      product,
      'cockpit-open-1',
      { name: 'Maria Muster', locale: 'de', timezone: 'Europe/Berlin', email: 'open-1@example.com' },
      3000,
    );

    await page.getByRole('link', { name: 'Policies' }).click();
    await page.waitForURL(/\/cockpit\/policies/);
    expect(await page.locator('[data-version]').textContent()).toBe('0');
    await page.getByLabel('Small balance up to (minor units)').fill('6000');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.waitForLoadState();
    const migration = page.locator('table[data-table="migration"]');
    await migration.waitFor();
    // The preview is the API's: every open case re-assessed with the draft.
    const preview = (await product.request('POST', '/v1/policies/draft/preview')).body as {
      migrations: { from: string; to: string; cases: number }[];
      moves: { debtorId: string; from: string; to: string }[];
    };
    expect(preview.moves).toContainEqual({
      debtorId: 'cockpit-open-1',
      from: 'assisted',
      to: 'small-balance',
    });
    expect(await migration.locator('tbody tr').count()).toBe(preview.migrations.length);
    expect(await migration.locator('tbody tr[data-moved="true"]').count()).toBe(
      preview.migrations.filter((m) => m.from !== m.to).length,
    );
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByLabel('Reason for the change').fill('small balances up to 60 €');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('status').textContent()).toContain('Published as version 1.');
    expect(await page.locator('[data-version]').textContent()).toBe('1');
    expect(await page.locator('table[data-table="history"] tbody tr').first().textContent()).toContain(
      'segmentation.smallBalanceMax: 2500 → 6000',
    );

    // The whole document: a window that ends before it starts is refused naming the field.
    await page.getByLabel('From (DE, local time)').fill('21:00');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('alert').textContent()).toContain(
      'contactPolicy.windows.DE: start 21:00 must be before end 20:00',
    );
    expect(await page.getByLabel('From (DE, local time)').inputValue()).toBe('08:00');

    // Reorder two rules (personal before small-balance) and slow the assisted cadence, then preview.
    await page.getByRole('button', { name: 'Move personal up' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('status').textContent()).toContain('The order is saved in the draft.');
    await page.getByRole('button', { name: 'Move personal up' }).click();
    await page.waitForLoadState();
    const order = PERSONAL_BEFORE_SMALL_BALANCE;
    expect(
      await page
        .locator('[data-list="rule-order"] li')
        .evaluateAll((items) => items.map((i) => i.getAttribute('data-rule'))),
    ).toEqual(order);
    await page.getByLabel('Final notice: days after the previous step (assisted)').fill('10');
    await page.getByLabel('Version (assisted)').fill('assisted-v3');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.waitForLoadState();
    await migration.waitFor();
    const draft = (await product.request('GET', '/v1/policies/draft')).body as {
      document: { segmentation: { ruleOrder: string[] }; strategies: { assisted: object } };
    };
    expect(draft.document.segmentation.ruleOrder).toEqual(order);
    expect(draft.document.strategies.assisted).toMatchObject({
      version: 'assisted-v3',
      cadenceDays: { final: 10 },
    });
    const reordered = (await product.request('POST', '/v1/policies/draft/preview')).body as {
      migrations: { from: string; to: string }[];
    };
    expect(await migration.locator('tbody tr').count()).toBe(reordered.migrations.length);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByLabel('Reason for the change').fill('A-customers first, calmer final notice');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('status').textContent()).toContain('Published as version 2.');
    const latest = await page.locator('table[data-table="history"] tbody tr').first().textContent();
    expect(latest).toContain('segmentation.ruleOrder');
    expect(latest).toContain('strategies.assisted');
    const [entry] = (
      (await product.request('GET', '/v1/audit?action=policy.published')).body as {
        entries: { actor: string; detail: { version: number; by: string } }[];
      }
    ).entries;
    expect(entry).toMatchObject({
      actor: expect.stringMatching(/^agent:/),
      detail: { version: 2, by: 'mia@managers.test' },
    });

    await page.getByRole('link', { name: 'Deutsch' }).click();
    await page.waitForURL(/lang=de/);
    expect(await page.locator('h1').textContent()).toBe('Richtlinien');
    expect(await page.getByRole('button', { name: 'personal nach oben' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'small-balance nach oben' }).count()).toBe(1);
    expect(await page.locator('html').getAttribute('lang')).toBe('de');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('an agent is refused, and the chart library comes from the product itself', async () => {
    const page = await logIn('anna@agents.test', '/cockpit');
    const answer = await page.goto('/cockpit');
    expect(answer?.status()).toBe(403);
    expect(await page.textContent('body')).toContain('Only managers, supervisors and admins');
    const library = await fetch(`${product.apiUrl}/cockpit/assets/chart.umd.min.js`);
    expect(library.headers.get('content-type')).toContain('javascript');
    expect(await library.text()).toContain('Chart.js');
  });
});
