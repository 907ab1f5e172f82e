import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoSnapshot, generateDemoDebtors } from '../demo/generate.js';
import { DemoLoadError, loadDemoDebtors, summarize } from '../demo/load.js';
import { assess } from '../domain/segmentation/assess.js';
import { SEGMENTS } from '../domain/segmentation/types.js';
import { strategyFor } from '../domain/strategies/defaults.js';
import { debtorBody, invoiceBody } from '../web/schemas.js';
import { startProduct, TEST_API_KEY, type RunningProduct } from './setup/harness.js';

const now = new Date('2026-11-24T10:00:00Z');

describe('demo data generator', () => {
  it('is deterministic for a seed, and a larger count extends a smaller one', () => {
    const a = generateDemoDebtors({ seed: 7, count: 30, now });
    const b = generateDemoDebtors({ seed: 7, count: 30, now });
    expect(a).toEqual(b);
    expect(generateDemoDebtors({ seed: 7, count: 10, now })).toEqual(a.slice(0, 10));
    expect(generateDemoDebtors({ seed: 8, count: 30, now })).not.toEqual(a);
    expect(a.map((d) => d.debtorId).slice(0, 3)).toEqual(['demo-001', 'demo-002', 'demo-003']);
  });

  it.each([7, 30])('covers every segment with count %i, the first seven one each', (count) => {
    for (const seed of [1, 42, 2026]) {
      const debtors = generateDemoDebtors({ seed, count, now });
      expect(debtors).toHaveLength(count);
      expect(debtors.slice(0, 7).map((d) => d.expectedSegment)).toEqual([...SEGMENTS]);
      expect(new Set(debtors.map((d) => d.expectedSegment))).toEqual(new Set(SEGMENTS));
    }
  });

  it('computes expectedSegment with the real assess() on the data it generates', () => {
    for (const debtor of generateDemoDebtors({ seed: 3, count: 60, now })) {
      expect(assess(demoSnapshot(debtor, now)).segment).toBe(debtor.expectedSegment);
    }
  });

  it('produces bodies the API accepts: debtorBody and invoiceBody from web/schemas.ts', () => {
    for (const seed of [1, 42, 99]) {
      for (const debtor of generateDemoDebtors({ seed, count: 100, now })) {
        const profile = debtorBody.safeParse(debtor.profile);
        expect(profile.error?.issues ?? [], debtor.debtorId).toEqual([]);
        expect(debtor.invoices.length).toBeGreaterThan(0);
        const currencies = new Set(debtor.invoices.map((i) => i.body.currency));
        expect(currencies.size, `${debtor.debtorId}: one currency per case`).toBe(1);
        for (const invoice of debtor.invoices) {
          const parsed = invoiceBody.safeParse(invoice.body);
          expect(parsed.error?.issues ?? [], `${debtor.debtorId}/${invoice.invoiceId}`).toEqual([]);
          expect(invoice.invoiceId).toMatch(/^[A-Za-z0-9._:-]+$/);
        }
        expect(debtor.profile.email ?? 'x@example.com').toMatch(/@example\.(com|org)$/);
      }
    }
  });

  it('keeps due dates between 5 and 150 days ago', () => {
    for (const debtor of generateDemoDebtors({ seed: 5, count: 100, now })) {
      for (const invoice of debtor.invoices) {
        const days = (now.getTime() - Date.parse(`${invoice.body.dueDate}T00:00:00Z`)) / 86_400_000;
        expect(days).toBeGreaterThanOrEqual(4);
        expect(days).toBeLessThanOrEqual(151);
      }
    }
  });
});

describe('demo loader against the running product', () => {
  let product: RunningProduct;
  beforeAll(async () => {
    product = await startProduct(inject('temporalAddress'));
  });
  afterAll(() => product?.stop());

  it('stops with a clear message on a wrong key', async () => {
    const debtors = generateDemoDebtors({ seed: 1, count: 1, now: new Date() });
    await expect(
      loadDemoDebtors({ url: product.apiUrl, apiKey: 'wrong-key-0123456789abcdef', debtors, log: () => {} }),
    ).rejects.toThrow(DemoLoadError);
  });

  it('loads seven debtors and opens one case in each segment workflow', async () => {
    const debtors = generateDemoDebtors({ seed: 42, count: 7, now: new Date() });
    const lines: string[] = [];
    const warnings: string[] = [];
    const result = await loadDemoDebtors({
      url: product.apiUrl,
      apiKey: TEST_API_KEY,
      debtors,
      log: (line) => lines.push(line),
      warn: (line) => warnings.push(line),
    });
    expect(warnings).toEqual([]);
    expect(result.failed).toEqual([]);
    expect(result.loaded).toHaveLength(7);
    expect(lines).toContain('loaded 7/7');
    const summary = summarize(result, {
      apiUrl: product.apiUrl,
      webUiUrl: 'http://localhost:8233',
      namespace: 'default',
      seed: 42,
    });
    expect(summary).toContain('/v1/cases/demo-006');
    expect(summary).toContain(encodeURIComponent('DunningSegment="personal"'));

    const query = 'WorkflowId STARTS_WITH "case-demo-"';
    const deadline = Date.now() + 20_000;
    let found: { workflowId: string; type: string }[] = [];
    for (;;) {
      found = [];
      for await (const wf of product.client.workflow.list({ query })) {
        found.push({ workflowId: wf.workflowId, type: wf.type });
      }
      if (found.length >= 7 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(found).toHaveLength(7);
    const expectedTypes = SEGMENTS.map((segment) => strategyFor(segment).workflowType).sort();
    expect(expectedTypes).toEqual(
      [
        'assistedOutreach',
        'dataCollection',
        'highRiskOutreach',
        'personalOutreach',
        'protectedCase',
        'selfServiceOutreach',
        'smallBalanceOutreach',
      ].sort(),
    );
    expect(found.map((wf) => wf.type).sort()).toEqual(expectedTypes);
    const byId = new Map(found.map((wf) => [wf.workflowId, wf.type]));
    for (const debtor of debtors) {
      expect(byId.get(`case-${debtor.debtorId}`), debtor.debtorId).toBe(
        strategyFor(debtor.expectedSegment).workflowType,
      );
    }

    // The case row is written by the workflow's first report: ask until it is there.
    let view = await product.request('GET', '/v1/cases/demo-001');
    for (let i = 0; view.status !== 200 && i < 50; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      view = await product.request('GET', '/v1/cases/demo-001');
    }
    expect(view).toMatchObject({ status: 200, body: { segment: 'protected' } });
  });
});
