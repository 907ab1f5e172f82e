import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createWebhookActivities } from '../activities/webhooks.js';
import { handoffConflictOf } from '../client/cases.js';
import { eraseDebtorData, exportDebtor } from '../db/gdpr.js';
import { createSubscription } from '../db/webhooks.js';
import { days } from '../domain/dates.js';
import type { HandoffPackage } from '../domain/handoff.js';
import type { WebhookPayload } from '../domain/webhooks.js';
import { keepHistory } from './setup/histories.js';
import { caseWorld } from './setup/time-skipping.js';
import { startWebhookReceiver } from './setup/webhook-receiver.js';

/**
 * Hand-over to a collection agency (time-skipping server, real activities and PGlite): a supervisor
 * approves, the package is built from the database and delivered as a signed webhook to a loopback
 * receiver, and the agency's reports move the case.
 */

const { world, withWorker, skipToTuesdayMorning, profile, openCase, pay, timelineTypes, summariesOf } =
  caseWorld('handoff-workflow-tests', { sentAtOnTestClock: true });

const debtor = (email: string) =>
  profile(email, {
    phone: '+4915112345678',
    address: { street: 'Hauptstraße', houseNumber: '5', postcode: '10115', city: 'Berlin', country: 'DE' },
  });

/** A high-risk case (95 days past due) through its strategy to the supervisor's approval. */
async function approvedHandOver(id: string, email: string) {
  await skipToTuesdayMorning();
  const handle = await openCase(id, debtor(email), 20_000, 95);
  expect((await handle.describe()).type).toBe('highRiskOutreach');
  await world.env.sleep(days(15));
  await approveHandOver(id);
  return handle;
}

/** The supervisor approves the open hand-over approval; a day later the case is handed over. */
async function approveHandOver(id: string) {
  const task = await world.db
    .selectFrom('agent_tasks')
    .select('task_key')
    .where('debtor_id', '=', id)
    .where('kind', '=', 'handoff-approval')
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  await world.cases.recordAgentOutcome(id, {
    taskKey: task.task_key,
    agentId: 'supervisor-test',
    agentName: 'Sara Supervisorin',
    outcome: { kind: 'decision', decision: 'hand-over' },
  });
  await world.env.sleep(days(1));
}

const conflictOf = (update: Promise<unknown>) =>
  update.then(
    () => 'accepted',
    (error: unknown) => handoffConflictOf(error) ?? String(error),
  );

describe('hand-over to a collection agency (time-skipping server)', () => {
  it('approved: the package goes out as a signed webhook; accepted, then collected in two parts, closes paid', async () => {
    const id = 'handoff-collected';
    const receiver = await startWebhookReceiver(() => 204);
    const subscription = await createSubscription(world.db, {
      url: receiver.url,
      events: ['case.handed_off', 'case.handoff_accepted', 'case.handoff_collected', 'case.paid'],
    });
    try {
      await withWorker(async () => {
        const handle = await approvedHandOver(id, 'agency@example.com');
        const state = await world.cases.state(id);
        expect(state.status).toBe('escalated');
        expect(state.nextDecisionAt).not.toBeNull();
        expect(Date.parse(state.nextDecisionAt!) - (await world.env.currentTimeMs())).toBeLessThanOrEqual(
          days(7),
        );

        const row = await world.db
          .selectFrom('handoffs')
          .selectAll()
          .where('debtor_id', '=', id)
          .executeTakeFirstOrThrow();
        expect(row.status).toBe('sent');
        const pkg: HandoffPackage = row.package;
        expect(pkg.debtor).toMatchObject({
          id,
          name: 'Erika Beispiel',
          email: 'agency@example.com',
          phone: '+4915112345678',
          address: { street: 'Hauptstraße', postcode: '10115', city: 'Berlin' },
        });
        expect(pkg.invoices).toEqual([
          expect.objectContaining({ id: 'inv-1', amountDue: 20_000, amountPaid: 0 }),
        ]);
        expect(pkg.claim.principal).toBe(20_000);
        expect(pkg.claim.interest).toBeGreaterThan(0);
        expect(pkg.claim.lines.some((l) => l.kind === 'interest' && l.rateBasisPoints > 0)).toBe(true);
        expect(pkg.claim.open).toBe(pkg.claim.principal + pkg.claim.interest + pkg.claim.fees);
        expect(pkg.contactHistory.filter((c) => c.status === 'sent').map((c) => c.template)).toEqual([
          'reminder-2',
          'reminder-2',
          'final-notice',
        ]);
        expect(pkg.timeline.map((e) => e.type)).toContain('handoff-decided');
        expect(pkg.creditor.firstDemandInformation.de).toMatch(/§ 13a Abs\. 1 Rechtsdienstleistungsgesetz/);
        expect(pkg.creditor.firstDemandInformation.de).toMatch(/Zinsberechnung.*p\. a\. auf 200,00/);
        expect(pkg.creditor.firstDemandInformation.en).toMatch(/Rechnung|invoice inv-1/);

        // A recall before acceptance would be allowed; after acceptance it is a conflict.
        await world.cases.handoffReport(id, { status: 'accepted', agencyReference: 'AZ-4711' });
        expect(
          await conflictOf(world.cases.handoffReport(id, { status: 'recalled', reason: 'changed mind' })),
        ).toMatch(/can no longer be recalled/);
        await world.cases.handoffReport(id, {
          status: 'collected',
          collectionId: 'remit-1',
          amount: 5_000,
          currency: 'EUR',
        });
        await world.env.sleep(days(1));
        expect((await world.cases.state(id)).status).toBe('escalated');
        const rest = (await world.cases.state(id)).openAmount;
        expect(rest).toBeGreaterThan(0);
        await world.cases.handoffReport(id, {
          status: 'collected',
          collectionId: 'remit-2',
          amount: rest,
          currency: 'EUR',
        });
        expect(await handle.result()).toMatchObject({ status: 'paid' });
        await keepHistory('handoff-collected', handle);

        const payments = await world.db
          .selectFrom('payments')
          .select(['id', 'amount'])
          .where('debtor_id', '=', id)
          .orderBy('id')
          .execute();
        expect(payments).toEqual([
          { id: 'handoff:remit-1', amount: 5_000 },
          { id: 'handoff:remit-2', amount: rest },
        ]);
        const types = await timelineTypes(id);
        expect(types).toEqual(
          expect.arrayContaining(['handoff-decided', 'handed-off', 'handoff-accepted', 'handoff-collected']),
        );
        expect(types.at(-1)).toBe('case-closed');
      });

      // The webhooks as the delivery workflow sends them, to the loopback receiver.
      const deliver = createWebhookActivities(world.db).deliverWebhook;
      const deliveries = await world.db
        .selectFrom('webhook_deliveries')
        .select(['id'])
        .where('subscription_id', '=', subscription.id)
        .orderBy('id')
        .execute();
      for (const d of deliveries) expect(await deliver({ deliveryId: d.id })).toBe('delivered');
      const hook = new Webhook(subscription.secret);
      const received = receiver.received().map((r) =>
        hook.verify(r.body, {
          'webhook-id': String(r.headers['webhook-id']),
          'webhook-timestamp': String(r.headers['webhook-timestamp']),
          'webhook-signature': String(r.headers['webhook-signature']),
        }),
      ) as WebhookPayload[];
      expect(received.map((p) => p.type)).toEqual([
        'case.handed_off',
        'case.handoff_accepted',
        'case.handoff_collected',
        'case.handoff_collected',
        'case.paid',
      ]);
      const handedOff = received[0]!.data as WebhookPayload['data'] & { package: HandoffPackage };
      expect(handedOff.package.debtor.email).toBe('agency@example.com');
      expect(handedOff.package.claim.open).toBeGreaterThan(20_000);
      // The other events carry no contact data.
      for (const p of received.slice(1)) expect(JSON.stringify(p)).not.toContain('agency@example.com');

      // The access export (GDPR Art. 15) holds the package as delivered.
      const exported = await exportDebtor(world.db, id);
      expect(exported?.handoffs).toEqual([
        expect.objectContaining({
          status: 'accepted',
          package: expect.objectContaining({ handoffKey: handedOff.package.handoffKey }),
        }),
      ]);

      // Erased (GDPR Art. 17): the hand-over keeps the claim and invoices, nothing that names the debtor.
      expect(await eraseDebtorData(world.db, id, { actor: 'test', reason: 'test' })).toBe(true);
      const kept = await world.db
        .selectFrom('handoffs')
        .select('package')
        .where('debtor_id', '=', id)
        .executeTakeFirstOrThrow();
      expect(Object.keys(kept.package).sort()).toEqual(['claim', 'createdAt', 'handoffKey', 'invoices']);
      expect(JSON.stringify(kept.package)).not.toMatch(/agency@example\.com|Beispiel|Hauptstraße/);
      expect(kept.package.claim.principal).toBe(20_000);
    } finally {
      await receiver.close();
    }
  });

  it('returned by the agency: back into outreach; a recall before acceptance too', async () => {
    const id = 'handoff-returned';
    await withWorker(async () => {
      const handle = await approvedHandOver(id, 'returned@example.com');
      const firstRun = await handle.describe();
      expect((await world.cases.state(id)).status).toBe('escalated');
      await world.cases.handoffReport(id, {
        status: 'returned',
        reason: 'debtor unknown at address',
        then: 'outreach',
      });
      await world.env.sleep(days(1));
      const back = await world.cases.state(id);
      expect(back.status).toBe('active');
      expect(back.episode).toBe(2);
      expect(await conflictOf(world.cases.handoffReport(id, { status: 'accepted' }))).toMatch(
        /not handed over/,
      );
      const first = world.env.client.workflow.getHandle(handle.workflowId, firstRun.runId);
      await keepHistory('handoff-returned', first);

      // The strategy runs again to a second approval; this time the creditor recalls before acceptance.
      await world.env.sleep(days(15));
      await approveHandOver(id);
      expect((await world.cases.state(id)).status).toBe('escalated');
      expect(
        await conflictOf(world.cases.handoffReport(id, { status: 'recalled', reason: 'settling directly' })),
      ).toBe('accepted');
      await world.env.sleep(days(1));
      expect((await world.cases.state(id)).status).toBe('active');
      const handoffs = await world.db
        .selectFrom('handoffs')
        .select(['status', 'reason'])
        .where('debtor_id', '=', id)
        .orderBy('created_at')
        .execute();
      expect(handoffs).toEqual([
        { status: 'returned', reason: 'debtor unknown at address' },
        { status: 'recalled', reason: 'settling directly' },
      ]);
      expect(await timelineTypes(id)).toEqual(
        expect.arrayContaining(['handoff-returned', 'handoff-recalled']),
      );
      await world.cases.cancel(id, 'test over');
      expect(await handle.result()).toMatchObject({ status: 'cancelled' });
    });
  });

  it('an agency that stays silent gets a supervisor follow-up; the debtor pays directly: paid, and nothing is left in the inbox', async () => {
    const id = 'handoff-silent';
    await withWorker(async () => {
      const handle = await approvedHandOver(id, 'silent@example.com');
      expect((await world.cases.state(id)).status).toBe('escalated');
      await world.env.sleep(days(14));
      const followUp = await world.db
        .selectFrom('agent_tasks')
        .select(['kind', 'label', 'status', 'required_skills'])
        .where('debtor_id', '=', id)
        .where('kind', '=', 'supervisor-review')
        .execute();
      expect(followUp).toEqual([
        expect.objectContaining({ label: 'Agency has not confirmed the hand-over', status: 'open' }),
      ]);
      expect(followUp[0]?.required_skills).toContain('supervisor');
      expect(await summariesOf(id, 'agent-task-escalated')).toEqual([
        'The agency has not confirmed the hand-over within 14 days: a supervisor follows up',
      ]);

      const open = (await world.cases.state(id)).openAmount;
      await pay(id, 'direct-1', open);
      expect(await handle.result()).toMatchObject({ status: 'paid' });
      const left = await world.db
        .selectFrom('agent_tasks')
        .select(['kind', 'status', 'close_reason'])
        .where('debtor_id', '=', id)
        .where('kind', '=', 'supervisor-review')
        .execute();
      expect(left).toEqual([{ kind: 'supervisor-review', status: 'withdrawn', close_reason: 'case paid' }]);
      expect(await summariesOf(id, 'agent-task-withdrawn')).toContain(
        'Agent task withdrawn: Agency has not confirmed the hand-over (case paid)',
      );
      await keepHistory('handoff-silent-paid', handle);
    });
  });
});
