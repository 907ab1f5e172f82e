import { describe, expect, it } from 'vitest';
import type { CaseRow } from '../db/schema.js';
import type { CaseState } from '../domain/case.js';
import { defaultStrategies } from '../domain/strategies/defaults.js';
import type { Portal } from '../web/portal/context.js';
import { formats } from '../web/portal/format.js';
import { texts } from '../web/portal/i18n.js';
import { whatHappensNext } from '../web/portal/overview.js';

/**
 * What the portal tells a debtor comes next: a hand-over is announced only where the strategy's next
 * stage really is one, and said plainly once the claim is with the agency.
 */
const portal = (caseRow: Partial<CaseRow>): Portal =>
  ({
    t: texts.de,
    f: formats('de', 'EUR', 'Europe/Berlin'),
    caseRow: { status: 'active', current_step: null, next_step_at: null, ...caseRow },
    facts: { email: 'x@example.com' },
  }) as unknown as Portal;

const state = (s: Partial<CaseState>) => ({ status: 'active', plan: null, ...s }) as CaseState;
const at = '2026-12-10T09:00:00.000Z';

describe('the portal says what happens next, and never promises a hand-over that is not coming', () => {
  it('high-risk after its last step: a possible hand-over on the next-stage date', () => {
    const text = whatHappensNext(
      portal({}),
      state({ currentStep: 'next-stage', nextStepAt: at }),
      defaultStrategies['high-risk'],
    );
    expect(text).toMatch(
      /^Ab 10\. Dezember 2026 prüfen wir, ob wir die Forderung an ein Inkassounternehmen abgeben/,
    );
  });

  it.each(['self-service', 'assisted', 'small-balance'] as const)(
    '%s after its last step: no word of an agency',
    (segment) => {
      const text = whatHappensNext(
        portal({}),
        state({ currentStep: 'next-stage', nextStepAt: at }),
        defaultStrategies[segment],
      );
      expect(text).not.toMatch(/Inkasso/);
      expect(text).toBe(texts.de.nextNothing);
    },
  );

  it('handed over: the debtor is told the agency has the claim', () => {
    const text = whatHappensNext(
      portal({ status: 'escalated' }),
      state({ status: 'escalated' }),
      defaultStrategies['high-risk'],
    );
    expect(text).toBe(texts.de.nextHandedOver);
  });

  it('in the middle of a strategy: the next reminder, not an agency', () => {
    const text = whatHappensNext(
      portal({}),
      state({ currentStep: 'notice', nextStepAt: at }),
      defaultStrategies['high-risk'],
    );
    expect(text).toMatch(/^Am 10\. Dezember 2026 erinnern wir Sie noch einmal per E-Mail/);
  });
});
