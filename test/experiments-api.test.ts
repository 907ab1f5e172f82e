import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { caseWorkflowId } from '../domain/case.js';
import { assignVariant } from '../domain/experiments/assignment.js';
import * as sa from '../domain/search-attributes.js';
import { defaultStrategies } from '../domain/strategies/defaults.js';
import { eventually } from './setup/eventually.js';
import {
  auditEntries,
  openCaseThroughApi,
  startProduct,
  testDatabases,
  zoneInContactWindowNow,
  type RunningProduct,
} from './setup/harness.js';

let product: RunningProduct;
const openZone = zoneInContactWindowNow();
const maria = (id: string) => ({
  name: 'Maria Muster',
  locale: 'de',
  timezone: openZone,
  email: `${id}@example.com`,
});

const variants = [
  { name: 'champion', weight: 1, overrides: {} },
  {
    name: 'fast-call',
    weight: 1,
    overrides: { cadenceDays: { call: 0 }, tone: 'friendly', callSlaDays: { call: 1 } },
  },
];

interface Issue {
  field: string;
  message: string;
}
const fieldsOf = (body: unknown) => ((body as { issues?: Issue[] }).issues ?? []).map((i) => i.field);

/** `n` closed cases of the experiment's variant, `paid` of them paid in full, opened 40 days ago. */
async function seedOutcomes(experimentId: string, variant: string, n: number, paid: number) {
  const openedAt = new Date(Date.now() - 40 * 86_400_000);
  const ids = Array.from({ length: n }, (_, i) => `seed-${experimentId.slice(-8)}-${variant}-${i}`);
  if (n === 0) return;
  await product.db
    .insertInto('debtors')
    .values(
      ids.map((id) => ({
        id,
        name: 'Seeded',
        locale: 'de' as const,
        timezone: 'Europe/Berlin',
        country: 'DE',
        preferred_channel: null,
        customer_value: null,
        digital_affinity: null,
        flags: '[]',
        payment_history: '{}',
        attributes: '{}',
      })),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const rows = ids.map((id, i) => ({
    debtor_id: id,
    workflow_id: caseWorkflowId(id),
    run_id: 'seeded',
    status: i < paid ? ('paid' as const) : ('written-off' as const),
    segment: 'assisted',
    strategy_version: `${defaultStrategies.assisted.version}+${variant}`,
    strategy_variant: variant,
    experiment_id: experimentId,
    current_step: 'closed',
    next_step: null,
    next_step_at: null,
    open_amount: 0,
    currency: 'EUR',
    days_past_due: 30,
    days_past_due_at_open: 20,
    opened_at: openedAt,
    closed_at: new Date(),
  }));
  await product.db.insertInto('cases').values(rows).execute();
}

describe.each(testDatabases)('experiments API (real Temporal dev server, %s)', (database) => {
  beforeAll(async () => {
    product = await startProduct(inject('temporalAddress'), database);
  });
  afterAll(() => product?.stop());

  it('refuses bad experiments with the field named', async () => {
    const unknownStep = await product.request('POST', '/v1/experiments', {
      segment: 'assisted',
      variants: [variants[0], { name: 'x', weight: 1, overrides: { cadenceDays: { letter: 3 } } }],
    });
    expect(unknownStep.status).toBe(422);
    expect(fieldsOf(unknownStep.body)).toEqual(['variants.1.overrides.cadenceDays.letter']);
    expect((unknownStep.body as { message: string }).message).toMatch(
      /no such step in assisted \(steps: email-1, sms-1, call, final\)/,
    );

    const bad = await product.request('POST', '/v1/experiments', {
      segment: 'nowhere',
      variants: [{ name: 'Champion!', weight: 0, overrides: { tone: 'angry' } }],
      endsAt: 'soon',
    });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(
      expect.arrayContaining([
        'segment',
        'variants.0.name',
        'variants.0.weight',
        'variants.0.overrides.tone',
        'endsAt',
      ]),
    );
    expect((await product.request('GET', '/v1/experiments')).body).toEqual([]);
  });

  it('assigns new cases of the segment by hash, runs the variant, shows it on the case and in visibility', async () => {
    const created = await product.request('POST', '/v1/experiments', { segment: 'assisted', variants });
    expect(created.status).toBe(201);
    const experiment = created.body as { id: string; status: string };
    expect(experiment.status).toBe('running');
    expect((await product.request('GET', `/v1/experiments/${experiment.id}`)).body).toMatchObject(experiment);
    // A second experiment on the same segment would put cases into two.
    const second = await product.request('POST', '/v1/experiments', { segment: 'assisted', variants });
    expect(second).toMatchObject({ status: 409 });
    expect(fieldsOf(second.body)).toEqual(['segment']);

    const ids = [`${database}-exp-a`, `${database}-exp-b`, `${database}-exp-c`, `${database}-exp-d`];
    for (const id of ids) await openCaseThroughApi(product, id, maria(id), 12950);
    for (const id of ids) {
      const expected = assignVariant(experiment.id, id, variants);
      const shown = await eventually(
        () => product.request('GET', `/v1/cases/${id}`),
        (r) => (r.body as { currentStep: string }).currentStep !== 'opened',
      );
      expect(shown.body).toMatchObject({
        segment: 'assisted',
        variant: { experimentId: experiment.id, name: expected },
        strategyVersion: `${defaultStrategies.assisted.version}+${expected}`,
      });
      const described = await product.client.workflow.getHandle(caseWorkflowId(id)).describe();
      expect(described.typedSearchAttributes.get(sa.StrategyVariant)).toBe(expected);
      // Stable: the same experiment and debtor always give the same variant.
      expect(assignVariant(experiment.id, id, variants)).toBe(expected);
    }
    // The running workflow answers with the variant too (it applied the overrides it carries).
    const state = await product.cases.state(ids[0]!);
    expect(state.variant).toEqual({
      experimentId: experiment.id,
      name: assignVariant(experiment.id, ids[0]!, variants),
    });

    const byVariant = (await product.request('GET', '/v1/kpis?groupBy=variant')).body as { group: string }[];
    expect(byVariant.map((r) => r.group).sort()).toEqual(
      [...new Set(ids.map((id) => assignVariant(experiment.id, id, variants)))].sort(),
    );

    const stopped = await product.request('POST', `/v1/experiments/${experiment.id}/stop`);
    expect(stopped.body).toMatchObject({ status: 'stopped' });
    expect((await product.request('POST', `/v1/experiments/${experiment.id}/stop`)).status).toBe(409);
    // Created and stopped, each once, by the test's key.
    const mine = (entries: { detail: Record<string, unknown> }[]) =>
      entries.filter((e) => e.detail.experimentId === experiment.id);
    expect(mine(await auditEntries(product, 'experiment.created'))).toEqual([
      expect.objectContaining({
        actor: expect.stringMatching(/^api-key:/),
        action: 'experiment.created',
        detail: {
          experimentId: experiment.id,
          segment: 'assisted',
          by: expect.stringMatching(/^api-key:/),
          variants: variants.map((v) => ({ name: v.name, weight: v.weight })),
        },
      }),
    ]);
    expect(mine(await auditEntries(product, 'experiment.stopped'))).toEqual([
      expect.objectContaining({ actor: expect.stringMatching(/^api-key:/), action: 'experiment.stopped' }),
    ]);
    // Stopped: a new case of the segment runs the plain strategy.
    const after = `${database}-exp-after`;
    await openCaseThroughApi(product, after, maria(after), 12950);
    expect((await product.request('GET', `/v1/cases/${after}`)).body).toMatchObject({
      variant: null,
      strategyVersion: defaultStrategies.assisted.version,
    });
  });

  it('gives no verdict on small samples, then finds the winner on seeded outcomes, and promotes it', async () => {
    const created = await product.request('POST', '/v1/experiments', {
      segment: 'self-service',
      variants: [
        { name: 'champion', weight: 1, overrides: {} },
        { name: 'sms-first', weight: 1, overrides: { channelOrder: ['sms'] } },
      ],
    });
    const { id } = created.body as { id: string };
    await seedOutcomes(id, 'champion', 30, 12);
    await seedOutcomes(id, 'sms-first', 30, 20);
    const small = await product.request('GET', `/v1/experiments/${id}/results`);
    expect(small.body).toMatchObject({
      verdict: { kind: 'too-few-cases', minimumPerVariant: 100, smallest: 30 },
    });
    expect((await product.request('POST', `/v1/experiments/${id}/promote`, {})).status).toBe(409);

    await product.db.deleteFrom('cases').where('experiment_id', '=', id).execute();
    await seedOutcomes(id, 'champion', 200, 80); // 40 %
    await seedOutcomes(id, 'sms-first', 200, 120); // 60 %
    const results = (await product.request('GET', `/v1/experiments/${id}/results`)).body as {
      variants: {
        name: string;
        n: number;
        paidInFull: number;
        recoveryRate: number;
        recoveryRateInterval: { low: number; high: number };
      }[];
      verdict: { kind: string; winner?: string; pValue: number };
    };
    expect(results.verdict.kind).toBe('winner');
    expect(results.verdict.winner).toBe('sms-first');
    expect(results.verdict.pValue).toBeLessThan(0.001);
    const sms = results.variants.find((v) => v.name === 'sms-first');
    expect(sms).toMatchObject({ n: 200, paidInFull: 120, recoveryRate: 0.6 });
    expect(sms!.recoveryRateInterval.low).toBeGreaterThan(0.53);
    expect(sms!.recoveryRateInterval.high).toBeLessThan(0.67);

    const promoted = await product.request('POST', `/v1/experiments/${id}/promote`, {});
    expect(promoted).toMatchObject({
      status: 200,
      body: {
        experiment: { status: 'promoted', promotedVariant: 'sms-first' },
        strategyVersion: 'self-service-v1+sms-first',
      },
    });
    const policy = (await product.request('GET', '/v1/policies')).body as {
      version: number;
      history: {
        version: number;
        createdBy: string;
        reason: string;
        changes: { path: string; from: unknown; to: unknown }[];
      }[];
    };
    expect(policy.version).toBe((promoted.body as { policyVersion: number }).policyVersion);
    expect(policy.history[0]).toMatchObject({
      createdBy: expect.stringMatching(/^api-key:/),
      reason: expect.stringMatching(/sms-first promoted/),
    });
    const [promotedEntry] = await auditEntries(product, 'experiment.promoted');
    expect(promotedEntry).toMatchObject({
      actor: policy.history[0]!.createdBy,
      action: 'experiment.promoted',
      detail: {
        experimentId: id,
        segment: 'self-service',
        variant: 'sms-first',
        policyVersion: policy.version,
        strategyVersion: 'self-service-v1+sms-first',
        by: policy.history[0]!.createdBy,
      },
    });
    expect((await auditEntries(product, 'policy.published'))[0]).toMatchObject({
      actor: policy.history[0]!.createdBy,
      detail: { version: policy.version, reason: policy.history[0]!.reason },
    });
    // The policy file had no self-service entry: the whole entry is the change.
    expect(policy.history[0]!.changes).toEqual([
      {
        path: 'strategies.self-service',
        from: null,
        to: expect.objectContaining({ channelOrder: ['sms'], version: 'self-service-v1+sms-first' }),
      },
    ]);
    // New cases of the segment run the promoted strategy; the experiment assigns no more.
    expect((await product.request('GET', `/v1/experiments/${id}`)).body).toMatchObject({
      status: 'promoted',
    });
    const next = `${database}-after-promote`;
    await openCaseThroughApi(
      product,
      next,
      { ...maria(next), digitalAffinity: 'high', paymentHistory: { onTimeRate: 0.95 } },
      12950,
    );
    expect((await product.request('GET', `/v1/cases/${next}`)).body).toMatchObject({
      segment: 'self-service',
      variant: null,
      strategyVersion: 'self-service-v1+sms-first',
    });
  });
});
