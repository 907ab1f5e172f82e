import { describe, expect, it } from 'vitest';
import { findCase } from '../db/cases.js';
import { caseWorkflowId } from '../domain/case.js';
import { days } from '../domain/dates.js';
import type { CaseVariant } from '../domain/experiments/experiment.js';
import * as sa from '../domain/search-attributes.js';
import { keepHistory } from './setup/histories.js';
import { caseWorld } from './setup/time-skipping.js';

const { world, withWorker, skipToTuesdayMorning, profile, openCase, pay } =
  caseWorld('experiment-workflow-tests');

describe('an experiment variant in the case workflow (time-skipping server)', () => {
  it('runs the variant in its segment and keeps it across continue-as-new into another segment', async () => {
    const id = 'exp-variant-moves';
    const variant: CaseVariant = {
      experimentId: 'exp-personal-1',
      segment: 'personal',
      name: 'friendly-call',
      overrides: { tone: 'friendly' },
    };
    await withWorker(async () => {
      await skipToTuesdayMorning();
      const handle = await openCase(
        id,
        profile('variant@example.com', { digitalAffinity: 'high' }),
        600_000,
        20,
        variant,
      );
      const first = await handle.describe();
      expect(first.type).toBe('personalOutreach');
      expect(first.typedSearchAttributes.get(sa.StrategyVariant)).toBe('friendly-call');
      await world.env.sleep(days(1));
      const inSegment = await world.cases.state(id);
      expect(inSegment).toMatchObject({
        segment: 'personal',
        strategyVersion: 'personal-v2+friendly-call',
        variant: { experimentId: 'exp-personal-1', name: 'friendly-call' },
      });

      // A partial payment moves the case to self-service: a new run (continue-as-new).
      await pay(id, 'p-part', 550_000);
      await world.env.sleep(days(1));
      const moved = await handle.describe();
      expect(moved.type).toBe('selfServiceOutreach');
      expect(moved.runId).not.toBe(first.runId);
      expect(moved.typedSearchAttributes.get(sa.StrategyVariant)).toBe('friendly-call');
      const after = await world.cases.state(id);
      expect(after).toMatchObject({
        segment: 'self-service',
        episode: 2,
        // The overrides are the personal strategy's: self-service runs its own strategy.
        strategyVersion: 'self-service-v1',
        variant: { experimentId: 'exp-personal-1', name: 'friendly-call' },
      });
      expect(await findCase(world.db, id)).toMatchObject({
        strategy_variant: 'friendly-call',
        experiment_id: 'exp-personal-1',
        segment: 'self-service',
      });
      await pay(id, 'p-rest', 50_000);
      expect(await handle.result()).toMatchObject({ status: 'paid' });
      await keepHistory(
        'personal-variant-to-self-service',
        world.env.client.workflow.getHandle(caseWorkflowId(id), first.runId),
      );
    });
  });
});
