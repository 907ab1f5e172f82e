import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addDays, toLocal } from '../domain/contact-policy/index.js';
import type { HandoffPackage } from '../domain/handoff.js';
import type { WebhookPayload } from '../domain/webhooks.js';
import { launchBrowser } from './setup/browser.js';
import { eventually } from './setup/eventually.js';
import { startProduct, zoneInContactWindowNow, type RunningProduct } from './setup/harness.js';
import { writePolicyFile } from './setup/policy-file.js';
import { startWebhookReceiver, type WebhookReceiver } from './setup/webhook-receiver.js';

/**
 * Hand-over end to end on the real Temporal dev server: a high-risk case whose strategy runs at once
 * (a policy file with no waits, so the test needs no weeks), a supervisor approves the hand-over in
 * the inbox (Chromium) and downloads the package; the agency gets it as a signed webhook and reports
 * through the API.
 */
let product: RunningProduct;
let browser: Browser;
let receiver: WebhookReceiver;
let secret: string;
const zone = zoneInContactWindowNow();
const today = toLocal(Date.now(), zone).date;
const PASSWORD = 'correct-horse-battery';
const SUPERVISOR = { email: 'sabine@agents.test', name: 'Sabine Supervisor' };

beforeAll(async () => {
  const policy = writePolicyFile({
    contactPolicy: { caps: { email: { maxPerDay: 10 }, overall: { maxPerDay: 10 } } },
    strategies: {
      'high-risk': {
        version: 'high-risk-at-once',
        cadenceDays: { sms: 0, call: 0, final: 0 },
        nextStageAfterDays: 0,
      },
      'small-balance': { version: 'small-balance-at-once', nextStageAfterDays: 0 },
    },
  });
  product = await startProduct(inject('temporalAddress'), 'pglite', { env: { MAHNWERK_CONFIG: policy } });
  browser = await launchBrowser();
  receiver = await startWebhookReceiver(() => 204);
  const subscribed = await product.request('POST', '/v1/webhook-subscriptions', {
    url: receiver.url,
    events: [
      'case.handed_off',
      'case.handoff_accepted',
      'case.handoff_collected',
      'case.paid',
      'case.written_off',
    ],
  });
  expect(subscribed.status).toBe(201);
  secret = (subscribed.body as { secret: string }).secret;
  const agent = await product.request('POST', '/v1/agents', {
    ...SUPERVISOR,
    skills: ['lang:de'],
    role: 'supervisor',
    password: PASSWORD,
  });
  expect(agent.status).toBe(201);
});
afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await product?.stop();
});

/**
 * Two broken promises on record: high-risk. Only an e-mail address, so the call step is skipped. A
 * business, in default since 30 days after the due date: interest runs (§ 288 BGB).
 */
async function openHighRiskCase(debtorId: string): Promise<number> {
  const debtor = {
    name: 'Erika Beispiel',
    locale: 'de',
    timezone: zone,
    email: `${debtorId}@example.com`,
    address: { street: 'Hauptstraße', houseNumber: '5', postcode: '10115', city: 'Berlin', country: 'DE' },
    paymentHistory: { brokenPromises: 2 },
    type: 'business',
    country: 'DE',
  };
  expect((await product.request('PUT', `/v1/debtors/${debtorId}`, debtor)).status).toBe(201);
  const invoice = {
    currency: 'EUR',
    amountDue: 30_000,
    dueDate: addDays(today, -40),
    issuedAt: '2026-09-01T10:00:00Z',
  };
  expect((await product.request('PUT', `/v1/debtors/${debtorId}/invoices/inv-1`, invoice)).status).toBe(201);
  const task = await eventually(
    () =>
      product.db
        .selectFrom('agent_tasks')
        .select('id')
        .where('debtor_id', '=', debtorId)
        .where('kind', '=', 'handoff-approval')
        .executeTakeFirst(),
    (row) => row !== undefined,
    60_000,
  );
  expect(task).toBeDefined();
  return Number(task!.id);
}

async function supervisorPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: product.apiUrl, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto('/inbox/login');
  await page.getByLabel('E-mail').fill(SUPERVISOR.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${product.apiUrl}/inbox`);
  return page;
}

async function download(page: Page, selector: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(selector).click()]);
  return readFileSync((await file.path())!, 'utf8');
}

const caseStatus = async (debtorId: string) =>
  ((await product.request('GET', `/v1/cases/${debtorId}`)).body as { status: string }).status;

describe('hand-over end to end (dev server, Chromium)', () => {
  it('a supervisor approves in the inbox and downloads the package; the agency gets it signed and reports', async () => {
    const id = 'e2e-handoff';
    const taskId = await openHighRiskCase(id);
    const page = await supervisorPage();
    await page.goto('/inbox');
    await page.locator(`tr[data-task="${taskId}"]`).getByRole('button', { name: 'Claim' }).click();
    await page.waitForURL(`${product.apiUrl}/inbox/tasks/${taskId}`);
    const form = page.locator('details[data-outcome="decision"]');
    await form.locator('summary').click();
    await form.locator('select[name="decision"]').selectOption('hand-over');
    await form.getByRole('button').click();
    await page.waitForLoadState();

    await eventually(
      () => caseStatus(id),
      (s) => s === 'escalated',
      30_000,
    );
    await page.goto(`/inbox/tasks/${taskId}`);
    expect(await page.locator('[data-handoff-status]').textContent()).toBe('sent');
    const pkg = JSON.parse(await download(page, '[data-handoff-json]')) as HandoffPackage;
    expect(pkg.debtor).toMatchObject({ id, name: 'Erika Beispiel', email: `${id}@example.com` });
    expect(pkg.debtor.address).toMatchObject({ city: 'Berlin', postcode: '10115' });
    expect(pkg.claim).toMatchObject({ principal: 30_000, currency: 'EUR' });
    expect(pkg.claim.interest).toBeGreaterThan(0);
    expect(pkg.invoices).toEqual([expect.objectContaining({ id: 'inv-1', dueDate: addDays(today, -40) })]);
    expect(pkg.contactHistory.map((c) => c.template)).toContain('final-notice');
    expect(pkg.creditor.firstDemandInformation.de).toMatch(/Auftraggeber \(Gläubiger\)/);
    const csv = await download(page, '[data-handoff-csv]');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('kind,reference,date,from,to,days,base,rate_bp,amount,currency');
    expect(lines).toContain(
      `principal,inv-1,${addDays(today, -40)},${lines[1]!.split(',')[3]},,,,,30000,EUR`,
    );
    expect(lines.at(-1)).toMatch(new RegExp(`^open,,\\d{4}-\\d\\d-\\d\\d,,,,,,${pkg.claim.open},EUR$`));
    const audit = await product.db
      .selectFrom('audit_log')
      .select('action')
      .where('debtor_id', '=', id)
      .where('action', '=', 'handoff.downloaded')
      .execute();
    expect(audit).toHaveLength(2);

    // The agency: the signed webhook with the package, then its reports through the API.
    const hook = new Webhook(secret);
    const [handedOff] = await eventually(
      async () => receiver.accepted(),
      (r) => r.length >= 1,
    );
    const payload = hook.verify(handedOff!.body, {
      'webhook-id': String(handedOff!.headers['webhook-id']),
      'webhook-timestamp': String(handedOff!.headers['webhook-timestamp']),
      'webhook-signature': String(handedOff!.headers['webhook-signature']),
    }) as WebhookPayload & { data: { package: HandoffPackage } };
    expect(payload.type).toBe('case.handed_off');
    expect(payload.data.package.claim.open).toBe(pkg.claim.open);

    const report = (path: string, body: unknown) => product.request('POST', `/v1/cases/${id}/${path}`, body);
    expect((await report('handoff-status', { status: 'collected', amount: 0, currency: 'EUR' })).status).toBe(
      400,
    );
    expect((await report('handoff-status', { status: 'accepted', agencyReference: 'AZ-1' })).status).toBe(
      200,
    );
    const recall = await report('handoff-recall', { reason: 'paid us directly' });
    expect(recall.status).toBe(409);
    expect(recall.body).toMatchObject({ error: 'conflict', message: expect.stringMatching(/accepted/) });
    const collected = await report('handoff-status', {
      status: 'collected',
      collectionId: 'remit-1',
      amount: pkg.claim.open,
      currency: 'EUR',
    });
    expect(collected.status).toBe(200);
    expect(
      await eventually(
        () => caseStatus(id),
        (s) => s === 'paid',
        30_000,
      ),
    ).toBe('paid');
    const types = await eventually(
      async () => receiver.accepted().map((r) => (JSON.parse(r.body) as WebhookPayload).type),
      (t) => t.includes('case.paid'),
      30_000,
    );
    expect(types).toEqual([
      'case.handed_off',
      'case.handoff_accepted',
      'case.handoff_collected',
      'case.paid',
    ]);
    // A closed case has nothing to report on.
    expect((await report('handoff-recall', { reason: 'too late' })).status).toBe(404);
  });

  it('write-off approvals: listed with amount and reason, approved from the list; timeline, webhook, and the claim stays', async () => {
    const id = 'e2e-write-off';
    const debtor = {
      name: 'Kai Klein',
      locale: 'de',
      timezone: zone,
      country: 'DE',
      email: `${id}@example.com`,
    };
    expect((await product.request('PUT', `/v1/debtors/${id}`, debtor)).status).toBe(201);
    // Above the automatic limit (15.00 EUR), within small-balance (up to 25.00 EUR).
    const invoice = {
      currency: 'EUR',
      amountDue: 2_000,
      dueDate: addDays(today, -20),
      issuedAt: '2026-10-01T10:00:00Z',
    };
    expect((await product.request('PUT', `/v1/debtors/${id}/invoices/inv-1`, invoice)).status).toBe(201);
    await eventually(
      () =>
        product.db
          .selectFrom('agent_tasks')
          .select('id')
          .where('debtor_id', '=', id)
          .where('kind', '=', 'write-off-approval')
          .executeTakeFirst(),
      (row) => row !== undefined,
      60_000,
    );

    const page = await supervisorPage();
    await page.getByRole('link', { name: 'Write-offs' }).click();
    await page.waitForURL(`${product.apiUrl}/inbox/write-offs`);
    const row = page.locator('tr[data-write-off]', { hasText: id });
    expect((await row.locator('[data-amount]').textContent())?.replaceAll('\u00a0', ' ')).toBe('€20.00');
    expect(await row.textContent()).toMatch(/Write-off approval: 20\.00 EUR open/);
    await row.getByRole('button', { name: 'Approve write-off' }).click();
    await page.waitForLoadState();
    expect(await page.textContent('body')).toContain(`${id}: written off.`);
    expect(await page.locator('tr[data-write-off]', { hasText: id }).count()).toBe(0);

    expect(
      await eventually(
        () => caseStatus(id),
        (s) => s === 'written-off',
        30_000,
      ),
    ).toBe('written-off');
    const timeline = (
      (await product.request('GET', `/v1/cases/${id}`)).body as {
        timeline: { type: string; summary: string }[];
      }
    ).timeline;
    expect(timeline.filter((e) => e.type === 'write-off-decided').map((e) => e.summary)).toEqual([
      'Supervisor decided: write off the open balance',
    ]);
    const written = await eventually(
      async () =>
        receiver
          .accepted()
          .map((r) => JSON.parse(r.body) as WebhookPayload)
          .filter((p) => p.type === 'case.written_off' && p.data.debtorId === id),
      (found) => found.length > 0,
      30_000,
    );
    expect(written[0]?.data).toMatchObject({ caseStatus: 'written-off', openAmount: 2_000, currency: 'EUR' });
    // Written off, not deleted: the invoice and its amount stay.
    const invoices = await product.db
      .selectFrom('invoices')
      .select(['id', 'amount_due', 'amount_paid'])
      .where('debtor_id', '=', id)
      .execute();
    expect(invoices).toEqual([{ id: 'inv-1', amount_due: 2_000, amount_paid: 0 }]);
  });
});
