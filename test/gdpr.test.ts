import { Client } from '@temporalio/client';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PayloadKeyRing } from '../crypto/key-ring.js';
import { masterKeysSchema } from '../crypto/master-keys.js';
import { EncryptionCodec } from '../crypto/payload-codec.js';
import { storeApiKey } from '../db/api-keys.js';
import type { Database } from '../db/database.js';
import { caseWorkflowId } from '../domain/case.js';
import { eventually } from './setup/eventually.js';
import {
  openCaseThroughApi,
  startProduct,
  TEST_PAYLOAD_KEYS,
  zoneInContactWindowNow,
  type RunningProduct,
} from './setup/harness.js';
import { decodePayloadsIn } from './setup/histories.js';

/** GDPR access and erasure through the API, checked against every table and the Temporal history. */
const debtorId = 'gdpr-1';
const secrets = {
  name: 'Henrike Vergessenwerden',
  email: 'henrike.vergessen@example.com',
  phone: '+4915799887766',
  note: 'Rechnung laut Frau Vergessenwerden bereits bezahlt',
};

let product: RunningProduct;

beforeAll(async () => {
  product = await startProduct(inject('temporalAddress'));
  await openCaseThroughApi(
    product,
    debtorId,
    {
      name: secrets.name,
      locale: 'de',
      timezone: zoneInContactWindowNow(),
      email: secrets.email,
      phone: secrets.phone,
      address: { street: 'Lindenweg', houseNumber: '7', postcode: '10115', city: 'Berlin', country: 'DE' },
    },
    12_345,
  );
  await eventually(
    () =>
      product.db
        .selectFrom('outbox')
        .select(['status', 'content'])
        .where('debtor_id', '=', debtorId)
        .execute(),
    (rows) => rows.some((r) => r.status === 'sent'),
  );
  const dispute = await product.request('POST', `/v1/cases/${debtorId}/dispute`, {
    reason: 'already-paid',
    note: secrets.note,
  });
  expect(dispute.status).toBe(200);
});
afterAll(async () => {
  await product?.stop();
});

/** Every text-like column of every table, searched for each needle: "table.column: needle" per hit. */
async function personalDataIn(db: Database, needles: string[]): Promise<string[]> {
  const { rows: columns } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = 'public' and data_type in ('text', 'character varying', 'jsonb', 'json')`.execute(
    db,
  );
  expect(columns.length).toBeGreaterThan(40);
  const hits: string[] = [];
  for (const { table_name, column_name } of columns) {
    for (const needle of needles) {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from ${sql.table(table_name)}
        where ${sql.ref(column_name)}::text ilike ${`%${needle}%`}`.execute(db);
      if (rows[0]!.n > 0) hits.push(`${table_name}.${column_name}: ${needle}`);
    }
  }
  return hits;
}

describe('GDPR export and erasure', () => {
  it('exports everything stored about the debtor, to an admin key only', async () => {
    const billing = await storeApiKey(product.db, 'billing', { scopes: ['billing', 'read'] });
    expect(
      (await product.request('GET', `/v1/debtors/${debtorId}/export`, undefined, billing.key)).status,
    ).toBe(403);
    const answer = await product.request('GET', `/v1/debtors/${debtorId}/export`);
    expect(answer.status).toBe(200);
    const data = answer.body as {
      profile: { name: string; email: string; phone: string };
      contactPoints: { channel: string; address: string }[];
      invoices: { id: string; amount_due: number; currency: string }[];
      messages: { channel: string; recipient: string; content: string | null; status: string }[];
      timeline: { type: string; summary: string }[];
      notes: { text: string }[];
      case: { status: string } | null;
    };
    expect(data.profile).toMatchObject({ name: secrets.name, email: secrets.email, phone: secrets.phone });
    expect(data.contactPoints.map((p) => p.address)).toContain(secrets.email);
    expect(data.invoices).toEqual([
      expect.objectContaining({ id: 'inv-1', amount_due: 12_345, currency: 'EUR' }),
    ]);
    const sent = data.messages.find((m) => m.status === 'sent');
    expect(sent).toMatchObject({ channel: 'email', recipient: secrets.email });
    // The words of the reminder, with the amount as the debtor read it.
    expect(sent?.content).toContain('123,45');
    expect(data.notes.map((n) => n.text)).toEqual([secrets.note]);
    // The workflow records the dispute; the timeline shows the note in its words.
    await eventually(
      async () => {
        const again = await product.request('GET', `/v1/debtors/${debtorId}/export`);
        return (again.body as typeof data).timeline.map((e) => e.summary).join('\n');
      },
      (timeline) => timeline.includes(secrets.note),
    );

    const audit = await product.request('GET', `/v1/audit?action=debtor.exported&debtorId=${debtorId}`);
    // One entry per export (the timeline check above exported again until the note showed).
    expect((audit.body as { entries: { route: string; actor: string }[] }).entries[0]).toMatchObject({
      route: 'GET /v1/debtors/:debtorId/export',
      actor: expect.stringMatching(/^api-key:/),
    });
  });

  it('erases: case closed, no table holds the personal data, amounts stay, the history no longer decrypts', async () => {
    const before = await personalDataIn(product.db, Object.values(secrets));
    expect(before.length).toBeGreaterThan(3);

    const erased = await product.request('DELETE', `/v1/debtors/${debtorId}`);
    expect(erased).toEqual({ status: 200, body: { debtorId, erased: true, caseTerminated: true } });

    expect((await product.request('GET', `/v1/debtors/${debtorId}/export`)).status).toBe(404);
    expect((await product.request('DELETE', `/v1/debtors/${debtorId}`)).status).toBe(404);
    // Billing sending the debtor again under the erased id stores nothing: the id is not reused.
    const again = await product.request('PUT', `/v1/debtors/${debtorId}`, {
      name: secrets.name,
      locale: 'de',
      timezone: 'Europe/Berlin',
      email: secrets.email,
    });
    expect(again).toMatchObject({ status: 409, body: { message: expect.stringMatching(/was erased/) } });
    // The erased case takes no more changes: a clear 404, not a failure to encrypt for it.
    const cancel = await product.request('POST', `/v1/cases/${debtorId}/cancel`, { reason: 'late call' });
    expect(cancel).toMatchObject({ status: 404, body: { message: expect.stringMatching(/was erased/) } });
    expect(await personalDataIn(product.db, Object.values(secrets))).toEqual([]);

    const { status, closed_at } = await product.db
      .selectFrom('cases')
      .select(['status', 'closed_at'])
      .where('debtor_id', '=', debtorId)
      .executeTakeFirstOrThrow();
    expect(status).toBe('cancelled');
    expect(closed_at).not.toBeNull();
    const invoice = await product.db
      .selectFrom('invoices')
      .select(['amount_due', 'currency'])
      .where('debtor_id', '=', debtorId)
      .executeTakeFirstOrThrow();
    expect(invoice).toEqual({ amount_due: 12_345, currency: 'EUR' });

    const raw = new Client({ connection: product.client.connection, namespace: 'default' });
    const handle = raw.workflow.getHandle(caseWorkflowId(debtorId));
    expect((await handle.describe()).status.name).toBe('TERMINATED');
    // A process that never cached the key (as every other API process after its cache expires).
    const fresh = new EncryptionCodec(
      new PayloadKeyRing(masterKeysSchema.parse(TEST_PAYLOAD_KEYS), product.db),
    );
    await expect(decodePayloadsIn(await handle.fetchHistory(), [fresh])).rejects.toThrow(/erased/);
    await expect(
      decodePayloadsIn(await handle.fetchHistory(), product.dataConverter.payloadCodecs ?? []),
    ).rejects.toThrow(/erased/);

    const audit = await product.request('GET', `/v1/audit?action=debtor.erased&debtorId=${debtorId}`);
    expect((audit.body as { entries: { route: string }[] }).entries).toEqual([
      expect.objectContaining({ route: 'DELETE /v1/debtors/:debtorId' }),
    ]);
  });
});

describe('retention', () => {
  /** A case opened and paid in full through the API: it closes as paid. */
  async function paidCase(id: string, email: string): Promise<void> {
    await openCaseThroughApi(
      product,
      id,
      { name: `Retention ${id}`, locale: 'en', timezone: 'Europe/Berlin', email },
      5_000,
    );
    const paid = await product.request('POST', `/v1/debtors/${id}/payments`, {
      paymentId: `${id}-pay`,
      amount: 5_000,
      currency: 'EUR',
      paidAt: new Date().toISOString(),
    });
    expect(paid.status).toBeLessThan(300);
    await eventually(
      () => product.db.selectFrom('cases').select('closed_at').where('debtor_id', '=', id).executeTakeFirst(),
      (row) => Boolean(row?.closed_at),
    );
  }

  it('the retention purge erases debtors whose case closed longer ago than the period, no others', async () => {
    await paidCase('ret-old', 'ret-old@example.com');
    await paidCase('ret-new', 'ret-new@example.com');
    const fourYearsAgo = new Date(Date.now() - 4 * 365 * 86_400_000);
    await product.db
      .updateTable('cases')
      .set({ closed_at: fourYearsAgo })
      .where('debtor_id', '=', 'ret-old')
      .execute();

    const purged = await product.client.workflow.execute('retentionPurge', {
      taskQueue: product.config.temporal.taskQueue,
      workflowId: `retention-test-${Date.now()}`,
      args: [],
    });
    expect(purged).toBe(1);
    expect(await personalDataIn(product.db, ['ret-old@example.com', 'Retention ret-old'])).toEqual([]);
    expect((await product.request('GET', '/v1/debtors/ret-old/export')).status).toBe(404);
    expect((await product.request('GET', '/v1/debtors/ret-new/export')).status).toBe(200);
    const audit = await product.request('GET', '/v1/audit?action=debtor.erased&debtorId=ret-old');
    expect((audit.body as { entries: { actor: string; detail: unknown }[] }).entries).toEqual([
      expect.objectContaining({ actor: 'system', detail: { reason: 'retention' } }),
    ]);
  });
});
