import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { caseWorkflowId } from '../domain/case.js';
import { scheduleId } from '../runtime/schedules.js';
import { eventually } from './setup/eventually.js';
import {
  openCaseThroughApi,
  startProduct,
  zoneInContactWindowNow,
  type RunningProduct,
} from './setup/harness.js';

/** The nightly sweeps on Temporal Schedules (dev server: the Java test server has no Schedules). */
const taskQueue = `test-sweeps-${randomUUID()}`;
const SWEEPS = ['nightly-reassessment', 'nightly-reconciliation', 'retention-purge'];
let product: RunningProduct | undefined;

const start = () =>
  startProduct(inject('temporalAddress'), 'pglite', { env: { TEMPORAL_TASK_QUEUE: taskQueue } });

async function schedulesOfThisInstance(p: RunningProduct): Promise<string[]> {
  const ids: string[] = [];
  for await (const s of p.client.schedule.list())
    if (s.scheduleId.startsWith(taskQueue)) ids.push(s.scheduleId);
  return ids.sort();
}

async function signalsOf(p: RunningProduct, debtorId: string): Promise<string[]> {
  const history = await p.client.workflow.getHandle(caseWorkflowId(debtorId)).fetchHistory();
  return (history.events ?? []).flatMap((e) =>
    e.workflowExecutionSignaledEventAttributes?.signalName
      ? [e.workflowExecutionSignaledEventAttributes.signalName]
      : [],
  );
}

describe('nightly sweeps on Temporal Schedules', () => {
  afterAll(() => product?.stop());

  it('start-up creates both schedules; a restart finds them and does not create them again', async () => {
    product = await start();
    const first = new Map<string, Date>();
    for (const sweep of SWEEPS) {
      const described = await product.client.schedule.getHandle(scheduleId(taskQueue, sweep)).describe();
      expect(described.action).toMatchObject({ type: 'startWorkflow', taskQueue });
      expect(described.spec.calendars?.length).toBe(1);
      first.set(sweep, described.info.createdAt);
    }
    await product.stop();
    product = await start();
    for (const sweep of SWEEPS) {
      const described = await product.client.schedule.getHandle(scheduleId(taskQueue, sweep)).describe();
      expect(described.info.createdAt).toEqual(first.get(sweep));
    }
    const listed = await eventually(
      () => schedulesOfThisInstance(product!),
      (ids) => ids.length >= 2,
    );
    expect(listed).toEqual(SWEEPS.map((s) => scheduleId(taskQueue, s)).sort());
  });

  it('the re-assessment signals every open case; the reconciliation reports a case whose workflow is gone', async () => {
    const p = product!;
    const zone = zoneInContactWindowNow();
    for (const id of ['sweep-ok', 'sweep-gone'])
      await openCaseThroughApi(
        p,
        id,
        { name: 'Sven Sweep', locale: 'en', timezone: zone, email: `${id}@example.com` },
        7700,
      );
    await p.client.workflow.getHandle(caseWorkflowId('sweep-gone')).terminate('test: the workflow is lost');

    await p.client.schedule.getHandle(scheduleId(taskQueue, 'nightly-reassessment')).trigger();
    const signals = await eventually(
      () => signalsOf(p, 'sweep-ok'),
      (s) => s.includes('contactDataChanged'),
    );
    expect(signals).toContain('contactDataChanged');

    await p.client.schedule.getHandle(scheduleId(taskQueue, 'nightly-reconciliation')).trigger();
    const reported = await eventually(
      () =>
        p.db
          .selectFrom('case_events')
          .select(['debtor_id', 'summary', 'data'])
          .where('type', '=', 'reconciliation-mismatch')
          .execute(),
      (rows) => rows.length > 0,
    );
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({
      debtor_id: 'sweep-gone',
      data: { database: 'active', workflow: 'workflow terminated' },
    });
  });
});
