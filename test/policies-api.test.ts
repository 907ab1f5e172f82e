import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultPolicies } from '../config/policy-file.js';
import { loadCaseSnapshot } from '../db/snapshot.js';
import { assess } from '../domain/segmentation/assess.js';
import { defaultSegmentationConfig } from '../domain/segmentation/config.js';
import { eventually } from './setup/eventually.js';
import {
  auditEntries,
  openCaseThroughApi,
  startProduct,
  testDatabases,
  utcOffsetHours,
  zoneInContactWindowNow,
  type RunningProduct,
} from './setup/harness.js';
import { PERSONAL_BEFORE_SMALL_BALANCE } from './setup/rule-orders.js';

let product: RunningProduct;
const openZone = zoneInContactWindowNow();

interface Preview {
  basedOn: number;
  cases: number;
  migrations: { from: string; to: string; cases: number; amounts: { currency: string; amount: number }[] }[];
  forecast: { day: string; channel: string; contacts: number }[];
  moves: { debtorId: string; from: string; to: string }[];
}

/** Open amounts around the small-balance threshold (2500 by default): the draft raises it to 6000. */
const AMOUNTS = [1500, 3000, 5000, 9000, 20000];

describe.each(testDatabases)(
  'policy drafts, preview and publish (real Temporal dev server, %s)',
  (database) => {
    beforeAll(async () => {
      product = await startProduct(inject('temporalAddress'), database);
    });
    afterAll(() => product?.stop());

    it('previews a threshold change on every open case, moving exactly those assess moves, then publishes it', async () => {
      const ids = AMOUNTS.map((amount) => `${database}-pol-${amount}`);
      for (const [i, id] of ids.entries()) {
        const debtor = { name: 'Maria Muster', locale: 'de', timezone: openZone, email: `${id}@example.com` };
        await openCaseThroughApi(product, id, debtor, AMOUNTS[i]!);
      }
      const current = (await product.request('GET', '/v1/policies')).body as {
        version: number;
        document: object;
      };
      expect(current.version).toBe(0);

      const refused = await product.request('PUT', '/v1/policies/draft', {
        segmentation: { smallBalanceMax: -1, colour: 'red' },
        strategies: { assisted: { version: 'assisted-v2', cadenceDays: { nope: 1 } } },
      });
      expect(refused.status).toBe(400);
      expect((refused.body as { issues: { field: string }[] }).issues.map((i) => i.field).sort()).toEqual([
        'segmentation',
        'segmentation.smallBalanceMax',
      ]);
      const unknownStep = await product.request('PUT', '/v1/policies/draft', {
        strategies: { assisted: { version: 'assisted-v2', cadenceDays: { nope: 1 } } },
      });
      expect(unknownStep).toMatchObject({
        status: 422,
        body: { issues: [{ field: 'strategies.assisted.cadenceDays.nope' }] },
      });
      // Well-formed by the document, refused by rules it cannot state: 422, naming the field.
      const windowOnly = await product.request('PUT', '/v1/policies/draft', {
        contactPolicy: { windows: { default: { start: '20:00', end: '08:00' } } },
      });
      expect(windowOnly).toMatchObject({
        status: 422,
        body: {
          issues: [{ field: 'contactPolicy.windows.default', message: expect.stringMatching(/before end/) }],
        },
      });
      const currencyOnly = await product.request('PUT', '/v1/policies/draft', {
        strategies: { 'small-balance': { version: 'sb-x', writeOffAutomaticallyBelow: { EURO: 100 } } },
      });
      expect(currencyOnly).toMatchObject({
        status: 422,
        body: { issues: [{ field: 'strategies.small-balance.writeOffAutomaticallyBelow.EURO' }] },
      });

      const draftSegmentation = { ...defaultSegmentationConfig, smallBalanceMax: 6000 };
      const saved = await product.request('PUT', '/v1/policies/draft', {
        ...current.document,
        segmentation: draftSegmentation,
      });
      expect(saved).toMatchObject({
        status: 200,
        body: { basedOn: 0, changes: [{ path: 'segmentation.smallBalanceMax', from: 2500, to: 6000 }] },
      });

      const preview = (await product.request('POST', '/v1/policies/draft/preview')).body as Preview;
      // Independently: assess each case's facts with the thresholds in force and with the draft's.
      const now = new Date();
      const expected = [];
      for (const id of ids) {
        const { snapshot } = await loadCaseSnapshot(product.db, id, now);
        expected.push({
          debtorId: id,
          from: assess(snapshot, defaultPolicies().segmentation).segment,
          to: assess(snapshot, draftSegmentation).segment,
        });
      }
      const mine = preview.moves.filter((m) => ids.includes(m.debtorId));
      const byId = (a: { debtorId: string }, b: { debtorId: string }) => a.debtorId.localeCompare(b.debtorId);
      expect([...mine].sort(byId)).toEqual(expected.sort(byId));
      // 3000 and 5000 leave assisted for small-balance; 1500 was small already; 9000 and 20000 stay.
      expect(mine.filter((m) => m.from !== m.to).map((m) => m.debtorId)).toEqual([ids[1], ids[2]].sort());
      expect(preview.migrations).toContainEqual({
        from: 'assisted',
        to: 'small-balance',
        cases: 2,
        amounts: [{ currency: 'EUR', amount: 8000 }],
      });
      expect(preview.forecast.length).toBeGreaterThan(0);
      const horizon = new Date(now.getTime() + 14 * 86_400_000).toISOString().slice(0, 10);
      for (const f of preview.forecast) expect(f.day <= horizon && f.contacts > 0).toBe(true);

      expect((await product.request('POST', '/v1/policies/publish', { reason: '' })).status).toBe(400);
      const published = await product.request('POST', '/v1/policies/publish', {
        reason: 'small balances up to 60 €',
      });
      expect(published).toMatchObject({ status: 200, body: { version: 1 } });
      // The draft is gone with the publish; a second publish has nothing to publish.
      expect((await product.request('POST', '/v1/policies/publish', { reason: 'again' })).status).toBe(409);
      const policies = (await product.request('GET', '/v1/policies')).body as {
        version: number;
        history: { version: number; createdBy: string; reason: string; changes: unknown[] }[];
      };
      expect(policies.version).toBe(1);
      expect(policies.history[0]).toMatchObject({
        version: 1,
        createdBy: expect.stringMatching(/^api-key:/),
        reason: 'small balances up to 60 €',
        changes: [{ path: 'segmentation.smallBalanceMax', from: 2500, to: 6000 }],
      });
      // The audit log has who saved and who published, with the version, reason and diff.
      const [publishedEntry] = await auditEntries(product, 'policy.published');
      expect(publishedEntry).toMatchObject({
        actor: policies.history[0]!.createdBy,
        action: 'policy.published',
        detail: {
          version: 1,
          by: policies.history[0]!.createdBy,
          reason: 'small balances up to 60 €',
          changes: [{ path: 'segmentation.smallBalanceMax', from: 2500, to: 6000 }],
        },
      });
      const saves = await auditEntries(product, 'policy.draft-saved');
      expect(saves).toEqual([
        expect.objectContaining({
          actor: policies.history[0]!.createdBy,
          action: 'policy.draft-saved',
          detail: {
            basedOn: 0,
            by: policies.history[0]!.createdBy,
            changed: ['segmentation.smallBalanceMax'],
          },
        }),
      ]);

      // Takes effect at the next re-assessment: the 9000 case pays 4000; 5000 open is small-balance under
      // version 1 only (the file says 2500), and the payment signal makes the case re-assess at once.
      await product.request('POST', `/v1/debtors/${ids[3]}/payments`, {
        paymentId: 'p-1',
        amount: 4000,
        currency: 'EUR',
        paidAt: new Date().toISOString(),
      });
      const moved = await eventually(
        () => product.request('GET', `/v1/cases/${ids[3]}`),
        (r) => (r.body as { segment: string }).segment === 'small-balance',
      );
      expect(moved.body).toMatchObject({ segment: 'small-balance' });
    });

    it('previews and publishes a rule reordering: segments change exactly as assess with that order, then cases follow it', async () => {
      const current = (await product.request('GET', '/v1/policies')).body as {
        version: number;
        document: { segmentation: typeof defaultSegmentationConfig };
      };
      // Small balances (below the 2500 of the file) of an A-customer and of an ordinary one.
      const cases = [
        { id: `${database}-order-a`, customerValue: 'A', amount: 1200 },
        { id: `${database}-order-b`, customerValue: 'B', amount: 1200 },
        { id: `${database}-order-big`, customerValue: 'A', amount: 30000 },
      ];
      for (const c of cases) {
        const debtor = {
          name: 'Erika Muster',
          locale: 'en',
          timezone: openZone,
          email: `${c.id}@example.com`,
          customerValue: c.customerValue,
        };
        await openCaseThroughApi(product, c.id, debtor, c.amount);
      }
      const misordered = await product.request('PUT', '/v1/policies/draft', {
        ...current.document,
        segmentation: { ...current.document.segmentation, ruleOrder: ['personal', 'protected'] },
      });
      // Well-formed by the document, but the order breaks the rules it cannot state: 422.
      expect(misordered.status).toBe(422);
      expect((misordered.body as { issues: { field: string; message: string }[] }).issues).toEqual([
        expect.objectContaining({
          field: 'segmentation.ruleOrder',
          message: expect.stringContaining('exactly once'),
        }),
      ]);

      const ruleOrder = PERSONAL_BEFORE_SMALL_BALANCE;
      const draftSegmentation = { ...current.document.segmentation, ruleOrder };
      const saved = await product.request('PUT', '/v1/policies/draft', {
        ...current.document,
        segmentation: draftSegmentation,
      });
      expect(saved).toMatchObject({
        status: 200,
        body: {
          basedOn: current.version,
          changes: [
            { path: 'segmentation.ruleOrder', from: defaultSegmentationConfig.ruleOrder, to: ruleOrder },
          ],
        },
      });
      const preview = (await product.request('POST', '/v1/policies/draft/preview')).body as Preview;
      const now = new Date();
      for (const move of preview.moves) {
        // Every open case, not only these: the order in force against the draft's, by assess per case.
        const { snapshot } = await loadCaseSnapshot(product.db, move.debtorId, now);
        expect(move).toMatchObject({
          from: assess(snapshot, current.document.segmentation).segment,
          to: assess(snapshot, draftSegmentation).segment,
        });
      }
      const mine = preview.moves.filter((m) => cases.some((c) => c.id === m.debtorId));
      expect(mine.filter((m) => m.from !== m.to)).toEqual([
        { debtorId: cases[0]!.id, from: 'small-balance', to: 'personal' },
      ]);

      const published = await product.request('POST', '/v1/policies/publish', {
        reason: 'A-customers get a person even for small balances',
      });
      expect(published).toMatchObject({ status: 200, body: { version: current.version + 1 } });
      // Assessment uses the order in force: a payment makes the case re-assess, now as personal.
      await product.request('POST', `/v1/debtors/${cases[0]!.id}/payments`, {
        paymentId: 'p-order',
        amount: 200,
        currency: 'EUR',
        paidAt: new Date().toISOString(),
      });
      const moved = await eventually(
        () => product.request('GET', `/v1/cases/${cases[0]!.id}`),
        (r) => (r.body as { segment: string }).segment === 'personal',
      );
      expect(moved.body).toMatchObject({ segment: 'personal' });
    });

    it('forecasts contacts inside the draft contact window and caps only (the real contact policy)', async () => {
      const current = (await product.request('GET', '/v1/policies')).body as {
        document: { contactPolicy: { windows: Record<string, object>; caps: object } };
      };
      // The debtors live in openZone (UTC+offset) with no country: the default window applies. A
      // window that stays within one UTC day there makes the forecast's UTC day the local day.
      const offset = utcOffsetHours(openZone);
      const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
      const onlyDay = 3; // Wednesdays
      const draft = {
        ...current.document,
        contactPolicy: {
          windows: {
            ...current.document.contactPolicy.windows,
            default: {
              days: [onlyDay],
              start: hh(Math.max(0, offset)),
              end: hh(Math.min(23, 23 + offset)),
              holidays: false,
            },
          },
          caps: { ...current.document.contactPolicy.caps, overall: { maxPerDay: 1 } },
        },
      };
      expect((await product.request('PUT', '/v1/policies/draft', draft)).status).toBe(200);
      // A self-service case of its own, so the forecast has contacts to check whatever the earlier
      // tests' cases have sent by now: its e-mail reminder is due 5 days after the portal link, and
      // waits for the draft's next Wednesday (within the 14 days forecast).
      const id = `${database}-forecast`;
      const debtor = { name: 'Erika Muster', locale: 'en', timezone: openZone, email: `${id}@example.com` };
      await openCaseThroughApi(product, id, { ...debtor, digitalAffinity: 'high' }, 9000);
      await eventually(
        () => product.request('GET', `/v1/cases/${id}`),
        (a) => (a.body as { nextStep: { step: string } | null }).nextStep?.step === 'E-mail reminder',
      );
      const preview = (await product.request('POST', '/v1/policies/draft/preview')).body as Preview;
      expect(preview.forecast.length).toBeGreaterThan(0);
      const perDay = new Map<string, number>();
      for (const f of preview.forecast) {
        expect([f.day, new Date(`${f.day}T12:00:00Z`).getUTCDay()]).toEqual([f.day, onlyDay]);
        perDay.set(f.day, (perDay.get(f.day) ?? 0) + f.contacts);
      }
      // One contact a day per debtor at most, all channels together.
      for (const total of perDay.values()) expect(total).toBeLessThanOrEqual(preview.cases);
    });
  },
);
