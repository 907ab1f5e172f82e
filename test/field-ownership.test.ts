import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { caseWorkflowId } from '../domain/case.js';
import { eventually } from './setup/eventually.js';
import {
  openCaseThroughApi,
  startProduct,
  zoneInContactWindowNow,
  type RunningProduct,
} from './setup/harness.js';

/** Billing owns what billing sends; what an agent or the debtor set in Mahnwerk survives billing's writes. */
let product: RunningProduct;
const zone = zoneInContactWindowNow();
const profile = (id: string, more: Record<string, unknown> = {}) => ({
  name: 'Frida Feld',
  locale: 'de',
  timezone: zone,
  email: `${id}@example.com`,
  phone: '+4915123450000',
  ...more,
});

const debtorRow = (id: string) =>
  product.db
    .selectFrom('debtors')
    .select(['flags', 'flag_sources', 'preferred_channel', 'preferred_channel_source'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

const smsConsent = async (id: string) =>
  (
    await product.db
      .selectFrom('contact_points')
      .select(['consent', 'consent_source'])
      .where('debtor_id', '=', id)
      .where('channel', '=', 'sms')
      .executeTakeFirstOrThrow()
  ).consent;

const workflowType = async (id: string) =>
  (await product.client.workflow.getHandle(caseWorkflowId(id)).describe()).type;

describe('field ownership: billing PUT and PATCH against what Mahnwerk learned', () => {
  beforeAll(async () => {
    product = await startProduct(inject('temporalAddress'));
  });
  afterAll(() => product?.stop());

  it('hardship set by an agent outcome survives a billing PUT without flags; billing clears only its own', async () => {
    const id = 'own-hardship';
    const agent = await product.request('POST', '/v1/agents', {
      email: 'ada.agent@example.com',
      name: 'Ada Agent',
      role: 'supervisor',
      skills: ['lang:de', 'lang:en', 'hardship'],
      password: 'a-long-password-123',
    });
    expect(agent.status).toBe(201);
    const agentId = (agent.body as { id: string }).id;
    // Customer value A: a personal case, whose first step is an agent's call.
    await openCaseThroughApi(
      product,
      id,
      profile(id, { customerValue: 'A', consents: { call: true } }),
      9000,
    );
    const inbox = await eventually(
      async () =>
        (await product.request('GET', `/v1/agent-tasks?agentId=${agentId}`)).body as {
          queue: { id: number; debtorId: string }[];
        },
      (b) => b.queue.some((t) => t.debtorId === id),
    );
    const taskId = inbox.queue.find((t) => t.debtorId === id)!.id;
    expect((await product.request('POST', `/v1/agent-tasks/${taskId}/claim`, { agentId })).status).toBe(200);
    const outcome = await product.request('POST', `/v1/agent-tasks/${taskId}/outcome`, {
      agentId,
      outcome: { kind: 'hardship' },
    });
    expect(outcome.status).toBe(200);
    await eventually(
      () => workflowType(id),
      (t) => t === 'protectedCase',
    );

    // Billing's PUT: a flag of its own (legal-hold), no hardship.
    expect(
      (
        await product.request(
          'PUT',
          `/v1/debtors/${id}`,
          profile(id, { customerValue: 'A', consents: { call: true }, flags: ['legal-hold'] }),
        )
      ).status,
    ).toBe(200);
    expect(await debtorRow(id)).toMatchObject({
      flags: ['hardship', 'legal-hold'],
      flag_sources: { hardship: 'agent', 'legal-hold': 'billing' },
    });
    // Billing clears its own flag; the agent's stays, and so does the protection.
    expect(
      (
        await product.request(
          'PUT',
          `/v1/debtors/${id}`,
          profile(id, { customerValue: 'A', consents: { call: true } }),
        )
      ).status,
    ).toBe(200);
    expect(await debtorRow(id)).toMatchObject({ flags: ['hardship'], flag_sources: { hardship: 'agent' } });
    const state = await eventually(
      () => product.cases.state(id),
      (s) => s.segment === 'protected',
    );
    expect(state.segment).toBe('protected');
  });

  it("the portal's channel choice and SMS consent survive a billing PUT", async () => {
    const id = 'own-portal';
    await openCaseThroughApi(product, id, profile(id), 4500);
    const mail = await product.devOutbox!.waitFor((m) => m.to.includes(`${id}@example.com`), 30_000);
    const link = new URL(/https?:\/\/\S+\/p\/\S+/.exec(mail.text)![0]);
    const contactPage = `${product.apiUrl}${link.pathname}/contact`;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await fetch(contactPage)).text())![1]!;
    const chosen = await fetch(contactPage, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        preferred: 'sms',
        allowEmail: 'yes',
        allowSms: 'yes',
        _csrf: csrf,
      }).toString(),
    });
    expect(chosen.status).toBeLessThan(400);
    expect(await debtorRow(id)).toMatchObject({
      preferred_channel: 'sms',
      preferred_channel_source: 'debtor',
    });
    expect(await smsConsent(id)).toBe(true);

    // Billing knows nothing of it: no preferred channel, SMS consent defaults to false.
    expect((await product.request('PUT', `/v1/debtors/${id}`, profile(id))).status).toBe(200);
    expect(await debtorRow(id)).toMatchObject({
      preferred_channel: 'sms',
      preferred_channel_source: 'debtor',
    });
    expect(await smsConsent(id)).toBe(true);
    // A PATCH is the same billing write: the debtor's choice stays there too.
    const patched = await product.request('PATCH', `/v1/debtors/${id}`, {
      preferredChannel: 'email',
      consents: { sms: false },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ profile: { preferredChannel: 'sms', consents: { sms: true } } });
  });

  it('insolvency set by billing moves a running case to protected at once; PATCH validates the result', async () => {
    const id = 'own-insolvency';
    await openCaseThroughApi(product, id, profile(id), 6100);
    expect(await workflowType(id)).toBe('assistedOutreach');
    const runBefore = (
      await product.db
        .selectFrom('cases')
        .select('run_id')
        .where('debtor_id', '=', id)
        .executeTakeFirstOrThrow()
    ).run_id;
    const response = await fetch(`${product.apiUrl}/v1/debtors/${id}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${product.devApiKey}`,
        'content-type': 'application/merge-patch+json',
      },
      body: JSON.stringify({ flags: ['insolvency'], attributes: { contract: 'K-17' } }),
    });
    expect(response.status).toBe(200);
    await eventually(
      () => workflowType(id),
      (t) => t === 'protectedCase',
    );
    expect(await workflowType(id)).toBe('protectedCase');
    // In the run that got the signal: straight to the protected workflow, no timer and no message between.
    const history = await product.client.workflow.getHandle(caseWorkflowId(id), runBefore).fetchHistory();
    const events = history.events ?? [];
    const signalled = events.findIndex(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'contactDataChanged',
    );
    const continued = events.findIndex((e) => e.workflowExecutionContinuedAsNewEventAttributes);
    expect(signalled).toBeGreaterThan(-1);
    expect(continued).toBeGreaterThan(signalled);
    const between = events.slice(signalled, continued);
    expect(between.filter((e) => e.timerFiredEventAttributes)).toEqual([]);
    expect(
      between.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendMessage'),
    ).toEqual([]);

    const invalid = await product.request('PATCH', `/v1/debtors/${id}`, {
      timezone: 'Mars/Olympus',
      name: null,
    });
    expect(invalid.status).toBe(400);
    expect((invalid.body as { issues: { field: string }[] }).issues.map((i) => i.field).sort()).toEqual([
      'name',
      'timezone',
    ]);
    expect((await product.request('PATCH', '/v1/debtors/nobody-here', { name: 'X' })).status).toBe(404);
  });
});
