import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAgentTask } from '../db/agent-tasks.js';
import { caseWorkflowId } from '../domain/case.js';
import { addDays, toLocal, weekdayOf } from '../domain/contact-policy/index.js';
import { cspViolations, launchBrowser, seriousA11yViolations, watchCsp } from './setup/browser.js';
import { eventually } from './setup/eventually.js';
import { startProduct, zoneInContactWindowNow, type RunningProduct } from './setup/harness.js';

/**
 * The agent inbox end to end: the whole product on the real Temporal dev server, agents in a real
 * Chromium (Debian's, headless), outcomes through the real case workflows.
 */
let product: RunningProduct;
let browser: Browser;
const zone = zoneInContactWindowNow();
const today = toLocal(Date.now(), zone).date;
const PASSWORD = 'correct-horse-battery';

interface TestAgent {
  id: string;
  email: string;
  name: string;
}
const agents: Record<'de' | 'de2' | 'en' | 'supervisor', TestAgent> = {} as never;

async function createAgent(
  email: string,
  name: string,
  skills: string[],
  role = 'agent',
): Promise<TestAgent> {
  const created = await product.request('POST', '/v1/agents', {
    email,
    name,
    skills,
    role,
    password: PASSWORD,
  });
  expect(created.status).toBe(201);
  return { ...(created.body as TestAgent), email, name };
}

/** A-customer who may be called: the personal strategy's first step is an agent call. */
async function openPersonalCase(debtorId: string, locale: 'de' | 'en' = 'de'): Promise<number> {
  const debtor = {
    name: `Debtor ${debtorId}`,
    locale,
    timezone: zone,
    email: `${debtorId}@example.com`,
    phone: '+4915123456789',
    consents: { call: true },
    customerValue: 'A',
  };
  expect((await product.request('PUT', `/v1/debtors/${debtorId}`, debtor)).status).toBe(201);
  const invoice = {
    currency: 'EUR',
    amountDue: 40_000,
    dueDate: addDays(today, -20),
    issuedAt: '2026-01-01T10:00:00Z',
  };
  expect((await product.request('PUT', `/v1/debtors/${debtorId}/invoices/inv-1`, invoice)).status).toBe(201);
  const tasks = await eventually(
    () =>
      product.db.selectFrom('agent_tasks').select(['id', 'kind']).where('debtor_id', '=', debtorId).execute(),
    (rows) => rows.length > 0,
  );
  expect(tasks).toEqual([{ id: expect.any(Number), kind: 'call' }]);
  return Number(tasks[0]!.id);
}

const taskRow = (id: number) =>
  product.db.selectFrom('agent_tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

async function loggedIn(agent: TestAgent): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: product.apiUrl });
  const page = await watchCsp(await context.newPage());
  await page.goto('/inbox');
  await expect.poll(() => page.url()).toContain('/inbox/login');
  await page.getByLabel('E-mail').fill(agent.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${product.apiUrl}/inbox`);
  return { context, page };
}

async function claim(page: Page, taskId: number): Promise<void> {
  await page.goto('/inbox');
  await page.locator(`tr[data-task="${taskId}"]`).getByRole('button', { name: 'Claim' }).click();
  await page.waitForURL(`${product.apiUrl}/inbox/tasks/${taskId}`);
  await expect.poll(() => page.textContent('body')).toContain('You have claimed this task.');
}

/** Opens the outcome's form on the task page, fills it and sends it. */
async function record(
  page: Page,
  taskId: number,
  kind: string,
  fields: Record<string, string> = {},
  note?: string,
) {
  await page.goto(`/inbox/tasks/${taskId}`);
  const section = page.locator(`details[data-outcome="${kind}"]`);
  await section.locator('summary').click();
  for (const [name, value] of Object.entries(fields)) {
    const field = section.locator(`[name="${name}"]`);
    if ((await field.getAttribute('type')) === 'checkbox') await field.check();
    else if ((await field.evaluate((e) => e.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
  if (note) await section.locator('textarea[name="note"]').fill(note);
  await section.getByRole('button').click();
  await page.waitForLoadState();
  return page;
}

const nextWeekday = (weekday: number): string => {
  let date = today;
  while (weekdayOf(date) !== weekday) date = addDays(date, 1);
  return date;
};

beforeAll(async () => {
  product = await startProduct(inject('temporalAddress'));
  browser = await launchBrowser();
  agents.de = await createAgent('anna@agents.test', 'Anna Agentin', ['lang:de']);
  agents.de2 = await createAgent('dora@agents.test', 'Dora Deutsch', ['lang:de']);
  agents.en = await createAgent('ben@agents.test', 'Ben Agent', ['lang:en']);
  agents.supervisor = await createAgent(
    'sabine@agents.test',
    'Sabine Supervisor',
    ['lang:de', 'lang:en', 'hardship'],
    'supervisor',
  );
});
// The content security policy blocks nothing these pages need.
afterEach(() => expect(cspViolations.splice(0)).toEqual([]));
afterAll(async () => {
  await browser?.close();
  await product?.stop();
});

describe('agent inbox in Chromium against the real workflows', () => {
  it('an agent logs in, sees only tasks for their skills, claims one, records "reached, promise for Friday"; the case is promised', async () => {
    const [german, english] = await Promise.all([
      openPersonalCase('inbox-de-1'),
      openPersonalCase('inbox-en-1', 'en'),
    ]);
    const { context, page } = await loggedIn(agents.de);
    await expect.poll(() => page.locator(`tr[data-task="${german}"]`).count()).toBe(1);
    expect(await page.locator(`tr[data-task="${english}"]`).count()).toBe(0);
    expect(await page.textContent(`tr[data-task="${german}"]`)).toContain('Agent call');

    await claim(page, german);
    expect(await seriousA11yViolations(page)).toEqual([]);
    const body = await page.textContent('body');
    expect(body).toContain('Debtor inbox-de-1');
    expect(body).toContain('+4915123456789');
    expect(body).toContain('inv-1');
    expect(body).toContain('segment personal');

    const friday = nextWeekday(5);
    await record(page, german, 'promise', { date: friday }, 'Pays Friday after payday');
    expect(await page.textContent('[data-task-status]')).toBe('done');
    expect(await page.textContent('.notice.ok')).toBe(
      `Done: reached, promise to pay everything open by ${friday} · Note: Pays Friday after payday`,
    );
    // The update answered at once; the case's main loop moves on a moment later.
    const state = await eventually(
      () => product.cases.state('inbox-de-1'),
      (s) => !s.nextStep?.startsWith('Waiting for the agent'),
    );
    expect(state.status).toBe('promised');
    expect(state.promisedUntil).not.toBeNull();
    expect(state.nextStep).toBe('Written confirmation (after the pause)');
    expect(state.nextStepAt).toBe(state.promisedUntil);
    await page.reload();
    expect(await page.textContent('[data-case-status]')).toBe('promised');
    expect(await page.textContent('body')).toContain(
      `promise to pay everything open by ${friday} (Anna Agentin) · Note: Pays Friday after payday`,
    );
    const view = await product.request('GET', '/v1/cases/inbox-de-1');
    expect(view.body).toMatchObject({ status: 'promised' });
    await context.close();
  });

  it('records every other outcome kind, and each case reacts', async () => {
    const kinds = [
      'plan',
      'dispute',
      'refuses',
      'noanswer',
      'wrong',
      'callback',
      'hardship',
      'data',
    ] as const;
    const ids = Object.fromEntries(
      await Promise.all(kinds.map(async (k) => [k, await openPersonalCase(`inbox-${k}`)] as const)),
    ) as Record<(typeof kinds)[number], number>;
    const { context, page } = await loggedIn(agents.de);
    for (const id of Object.values(ids)) await claim(page, id);

    let tomorrow = addDays(today, 1);
    if (weekdayOf(tomorrow) === 7) tomorrow = addDays(tomorrow, 1);
    await record(page, ids.plan, 'payment-plan', { instalments: '4', firstDate: addDays(today, 7) });
    await record(page, ids.dispute, 'dispute', { reason: 'Goods never arrived' });
    await record(page, ids.refuses, 'refuses', {}, 'Will not pay');
    await record(page, ids.noanswer, 'not-reached', { reason: 'no-answer' });
    await record(page, ids.wrong, 'not-reached', { reason: 'wrong-number' });
    await record(page, ids.callback, 'call-back', { at: `${tomorrow}T10:00` });
    await record(page, ids.hardship, 'hardship', {}, 'Lost job');
    await record(page, ids.data, 'data-found', { email: 'new.address@example.com' });
    for (const id of Object.values(ids)) expect((await taskRow(id)).status, `task ${id}`).toBe('done');

    expect((await product.cases.state('inbox-plan')).status).toBe('payment-plan');
    expect((await product.cases.state('inbox-dispute')).status).toBe('disputed');
    // Refused: the strategy moves on to the written confirmation.
    const refused = await eventually(
      () => product.cases.state('inbox-refuses'),
      (s) => s.currentStep !== 'call',
    );
    expect(refused.nextStep).not.toMatch(/Waiting for the agent/);
    expect((await taskRow(ids.noanswer)).call_result).toBe('attempt');
    expect((await taskRow(ids.refuses)).call_result).toBe('conversation');
    const phone = await product.db
      .selectFrom('contact_points')
      .select(['channel', 'invalid_at'])
      .where('debtor_id', '=', 'inbox-wrong')
      .where('channel', 'in', ['sms', 'call'])
      .execute();
    expect(phone.map((p) => [p.channel, p.invalid_at !== null]).sort()).toEqual([
      ['call', true],
      ['sms', true],
    ]);
    const callBack = await eventually(
      () =>
        product.db
          .selectFrom('agent_tasks')
          .selectAll()
          .where('debtor_id', '=', 'inbox-callback')
          .where('kind', '=', 'call-back')
          .execute(),
      (rows) => rows.length > 0,
    );
    expect(callBack[0]).toMatchObject({ status: 'open', label: 'Agent call: call-back' });
    expect(toLocal(callBack[0]!.due_at.getTime(), zone)).toMatchObject({
      date: tomorrow,
      hour: 10,
      minute: 0,
    });
    const protectedCase = await eventually(
      () => product.client.workflow.getHandle(caseWorkflowId('inbox-hardship')).describe(),
      (d) => d.type === 'protectedCase',
    );
    expect(protectedCase.type).toBe('protectedCase');
    const email = await product.db
      .selectFrom('contact_points')
      .select('address')
      .where('debtor_id', '=', 'inbox-data')
      .where('channel', '=', 'email')
      .executeTakeFirst();
    expect(email?.address).toBe('new.address@example.com');
    const timeline = (await product.request('GET', '/v1/cases/inbox-data')).body as {
      timeline: { type: string }[];
    };
    expect(timeline.timeline.map((e) => e.type)).toEqual(
      expect.arrayContaining(['contact-data-found', 'agent-outcome']),
    );
    // The new call-back task is in the agent's queue; the protected review is not (it needs hardship).
    await page.goto('/inbox');
    expect(await page.locator(`tr[data-task="${Number(callBack[0]!.id)}"]`).count()).toBe(1);
    expect(await page.textContent('body')).not.toContain('Specialist review');
    await context.close();
  });

  it('a task the portal opened (no step waits for it) takes outcomes too; a call-back there opens the next task', async () => {
    const stepTask = await openPersonalCase('inbox-side');
    const { context, page } = await loggedIn(agents.de);
    await claim(page, stepTask);
    await record(page, stepTask, 'not-reached', { reason: 'voicemail' });
    // The debtor asked for a call on the portal.
    await createAgentTask(product.db, {
      debtorId: 'inbox-side',
      taskKey: 'portal/inbox-side/call-back-1',
      kind: 'call-back',
      label: 'Call-back requested on the portal',
      dueAt: Date.now() + 3_600_000,
      source: 'portal',
    });
    const side = await product.db
      .selectFrom('agent_tasks')
      .select(['id', 'question', 'required_skills'])
      .where('task_key', '=', 'portal/inbox-side/call-back-1')
      .executeTakeFirstOrThrow();
    expect(side.required_skills).toEqual(['lang:de']);
    expect(side.question).toMatch(/Call back/);
    await claim(page, Number(side.id));
    let tomorrow = addDays(today, 1);
    if (weekdayOf(tomorrow) === 7) tomorrow = addDays(tomorrow, 1);
    await record(
      page,
      Number(side.id),
      'call-back',
      { at: `${tomorrow}T11:00` },
      'Asked to be called tomorrow',
    );
    expect((await taskRow(Number(side.id))).status).toBe('done');
    const next = await eventually(
      () =>
        product.db
          .selectFrom('agent_tasks')
          .selectAll()
          .where('task_key', '=', 'portal/inbox-side/call-back-1/call-back')
          .executeTakeFirst(),
      (row) => row !== undefined,
    );
    expect(next).toMatchObject({ kind: 'call-back', status: 'open' });
    await claim(page, Number(next!.id));
    await record(page, Number(next!.id), 'promise', { date: addDays(today, 3) });
    expect((await product.cases.state('inbox-side')).status).toBe('promised');
    // A second answer to a done task is refused and changes nothing.
    const again = await product.request('POST', `/v1/agent-tasks/${Number(next!.id)}/outcome`, {
      agentId: agents.de.id,
      outcome: { kind: 'refuses' },
    });
    expect(again.status).toBe(409);
    await context.close();
  });

  it('a rejected outcome is shown to the agent and changes nothing', async () => {
    const id = await openPersonalCase('inbox-rejected');
    const { context, page } = await loggedIn(agents.de);
    await claim(page, id);
    await record(page, id, 'promise', { date: addDays(today, 60) });
    expect(await page.textContent('[role="alert"]')).toContain('a promise may reach at most 30 days ahead');
    expect((await taskRow(id)).status).toBe('claimed');
    await context.close();
  });

  it('20 concurrent claims of one task: exactly one wins, the others are told who has it', async () => {
    const id = await openPersonalCase('inbox-race');
    const racers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => createAgent(`racer-${i}@agents.test`, `Racer ${i}`, ['lang:de'])),
    );
    const answers = await Promise.all(
      racers.map((r) => product.request('POST', `/v1/agent-tasks/${id}/claim`, { agentId: r.id })),
    );
    const winners = answers.filter((a) => a.status === 200);
    expect(winners).toHaveLength(1);
    const winner = (winners[0]!.body as { claimedByName: string }).claimedByName;
    const losers = answers.filter((a) => a.status === 409);
    expect(losers).toHaveLength(19);
    for (const loser of losers)
      expect((loser.body as { message: string }).message).toBe(`${winner} has already claimed this task`);
    expect((await taskRow(id)).claimed_by).toBe(racers.find((r) => r.name === winner)?.id);
  });

  it('a task whose case is paid while it waits leaves the queue and the inbox says it was withdrawn', async () => {
    const id = await openPersonalCase('inbox-paid');
    const queue = async () =>
      (await product.request('GET', `/v1/agent-tasks?agentId=${agents.de2.id}`)).body as {
        queue: { id: number }[];
        withdrawn: { id: number; closeReason: string }[];
      };
    expect((await queue()).queue.map((t) => t.id)).toContain(id);
    const paid = await product.request('POST', '/v1/debtors/inbox-paid/payments', {
      paymentId: 'pay-1',
      amount: 40_000,
      currency: 'EUR',
      paidAt: new Date().toISOString(),
    });
    expect(paid.status).toBe(201);
    const after = await eventually(queue, (q) => q.withdrawn.some((t) => t.id === id));
    expect(after.queue.map((t) => t.id)).not.toContain(id);
    expect(after.withdrawn.find((t) => t.id === id)?.closeReason).toBe('case paid');
    const { context, page } = await loggedIn(agents.de2);
    expect(await page.textContent(`tr[data-task="${id}"]`)).toContain('withdrawn: case paid');
    await context.close();
  });

  it('authorization: skills, other agents’ claims, sessions and CSRF', async () => {
    const id = await openPersonalCase('inbox-auth');
    const { context: anna, page: annaPage } = await loggedIn(agents.de);
    await claim(annaPage, id);

    // Outside the agent's skills, by URL: 404, and nothing of the debtor shows.
    const { context: ben, page: benPage } = await loggedIn(agents.en);
    const outside = await benPage.goto(`/inbox/tasks/${id}`);
    expect(outside?.status()).toBe(404);
    expect(await benPage.textContent('body')).not.toContain('Debtor inbox-auth');
    expect((await product.request('GET', `/v1/agent-tasks/${id}?agentId=${agents.en.id}`)).status).toBe(404);

    // Another agent's claimed task: hidden from agents (403), shown to supervisors.
    const { context: dora, page: doraPage } = await loggedIn(agents.de2);
    const claimed = await doraPage.goto(`/inbox/tasks/${id}`);
    expect(claimed?.status()).toBe(403);
    expect(await doraPage.textContent('body')).not.toContain('Debtor inbox-auth');
    expect(await doraPage.textContent('[role="alert"]')).toContain('Anna Agentin is working on this task');
    expect((await product.request('GET', `/v1/agent-tasks/${id}?agentId=${agents.de2.id}`)).status).toBe(403);
    const { context: sabine, page: sabinePage } = await loggedIn(agents.supervisor);
    expect((await sabinePage.goto(`/inbox/tasks/${id}`))?.status()).toBe(200);
    expect(await sabinePage.textContent('body')).toContain('Debtor inbox-auth');

    // Only supervisors see the supervisor view; a supervisor reassigns the task to Dora.
    expect((await doraPage.goto('/inbox/supervisor'))?.status()).toBe(403);
    await sabinePage.goto('/inbox/supervisor');
    expect(await sabinePage.textContent('body')).toContain('Open tasks per skill');
    const row = sabinePage.locator(`tr[data-task="${id}"]`).first();
    await row.locator('select[name="agentId"]').selectOption(agents.de2.id);
    await row.getByRole('button', { name: 'Assign' }).click();
    await sabinePage.waitForURL(`${product.apiUrl}/inbox/supervisor`);
    expect((await taskRow(id)).claimed_by).toBe(agents.de2.id);
    expect((await annaPage.goto(`/inbox/tasks/${id}`))?.status()).toBe(403);

    // No session: the login page.
    const stranger = await browser.newContext({ baseURL: product.apiUrl });
    const strangerPage = await watchCsp(await stranger.newPage());
    await strangerPage.goto(`/inbox/tasks/${id}`);
    expect(strangerPage.url()).toContain(`/inbox/login?next=${encodeURIComponent(`/inbox/tasks/${id}`)}`);
    expect(await strangerPage.textContent('h1')).toBe('Log in to the agent inbox');

    // CSRF: a valid session cookie without the form's token changes nothing.
    const other = await openPersonalCase('inbox-csrf');
    const cookie = (await anna.cookies()).find((c) => c.name === 'mw_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');
    for (const body of ['', '_csrf=forged-token']) {
      const forged = await fetch(`${product.apiUrl}/inbox/tasks/${other}/claim`, {
        method: 'POST',
        headers: {
          cookie: `mw_session=${cookie!.value}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body,
        redirect: 'manual',
      });
      expect(forged.status).toBe(403);
    }
    expect((await taskRow(other)).status).toBe('open');
    const loginWithoutToken = await fetch(`${product.apiUrl}/inbox/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `email=${encodeURIComponent(agents.de.email)}&password=${PASSWORD}`,
      redirect: 'manual',
    });
    expect(loginWithoutToken.status).toBe(403);

    // Logging out ends the session on the server too.
    await annaPage.goto('/inbox');
    await annaPage.getByRole('button', { name: 'Log out' }).click();
    await annaPage.waitForURL(/\/inbox\/login/);
    const reused = await fetch(`${product.apiUrl}/inbox`, {
      headers: { cookie: `mw_session=${cookie!.value}` },
      redirect: 'manual',
    });
    expect(reused.status).toBe(303);
    for (const context of [anna, ben, dora, sabine, stranger]) await context.close();
  });
});
