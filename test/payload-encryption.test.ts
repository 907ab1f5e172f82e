import { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/env.js';
import { PayloadKeyRing } from '../crypto/key-ring.js';
import { generateKeyEntry, masterKeysSchema } from '../crypto/master-keys.js';
import { EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../crypto/payload-codec.js';
import { caseWorkflowId } from '../domain/case.js';
import { eventually } from './setup/eventually.js';
import {
  openCaseThroughApi,
  startProduct,
  TEST_API_KEY,
  TEST_PAYLOAD_KEYS,
  zoneInContactWindowNow,
  type RunningProduct,
} from './setup/harness.js';
import { decodePayloadsIn, payloadsIn } from './setup/histories.js';

const { History } = proto.temporal.api.history.v1;
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

const debtorId = 'enc-1';
const secrets = {
  name: 'Wilhelmine Geheimrat',
  email: 'wilhelmine.geheim@example.com',
  phone: '+4915112345678',
  note: 'Mahnung trotz Ratenzahlung laut Telefonat vom 3. November',
  resolution: 'Geklärt mit Herrn Obermeier, Ratenplan bestätigt',
};

let product: RunningProduct;
/** A client without the codec: what anyone with access to the Temporal server sees. */
let raw: Client;

beforeAll(async () => {
  product = await startProduct(inject('temporalAddress'));
  raw = new Client({ connection: product.client.connection, namespace: 'default' });
  const debtor = {
    name: secrets.name,
    locale: 'de',
    timezone: zoneInContactWindowNow(),
    email: secrets.email,
    phone: secrets.phone,
  };
  await openCaseThroughApi(product, debtorId, debtor, 12_000);
  // A message went out, so activities ran (their arguments and results are in history too).
  await eventually(
    async () => product.devOutbox!.messages().filter((m) => m.to.includes(secrets.email)).length,
    (n) => n > 0,
  );
  const dispute = await product.request('POST', `/v1/cases/${debtorId}/dispute`, {
    reason: 'amount',
    note: secrets.note,
  });
  expect(dispute.status).toBe(200);
  const resolved = await product.request('POST', `/v1/cases/${debtorId}/dispute/resolve`, {
    outcome: 'resume',
    note: secrets.resolution,
  });
  expect(resolved.status).toBe(200);
});
afterAll(async () => {
  await product?.stop();
});

const rawHistory = async (id: string) => raw.workflow.getHandle(caseWorkflowId(id)).fetchHistory();

describe('payload encryption', () => {
  it('the raw history holds only ciphertext under the debtor key: no name, e-mail, phone or note', async () => {
    const history = await rawHistory(debtorId);
    const payloads = payloadsIn(history);
    expect(payloads.length).toBeGreaterThan(5);
    for (const payload of payloads) {
      expect(text(payload.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(text(payload.metadata?.[KEY_ID_METADATA])).toBe(`debtor:${debtorId}`);
    }
    const bytes = Buffer.from(History.encode(history).finish());
    for (const secret of Object.values(secrets)) expect(bytes.includes(secret)).toBe(false);
  });

  it('decoded, the history holds the case data but only a reference to the note; the timeline shows the note', async () => {
    const history = await rawHistory(debtorId);
    await decodePayloadsIn(history, product.dataConverter.payloadCodecs ?? []);
    const plain = payloadsIn(history).map((p) => text(p.data));
    expect(plain.some((json) => json.includes(`"debtorId":"${debtorId}"`))).toBe(true);
    expect(plain.some((json) => /"note":"\[note:\d+\]"/.test(json))).toBe(true);
    expect(plain.some((json) => json.includes(secrets.note))).toBe(false);
    const notes = await product.db
      .selectFrom('notes')
      .select('text')
      .where('debtor_id', '=', debtorId)
      .execute();
    expect(notes.map((n) => n.text).sort()).toEqual([secrets.resolution, secrets.note].sort());
    const caseView = await eventually(
      async () => JSON.stringify((await product.request('GET', `/v1/cases/${debtorId}`)).body),
      (body) => body.includes('Dispute resolved'),
    );
    expect(caseView).toContain(`Dispute resolved: resume (${secrets.resolution})`);
  });

  it('a master key rotation keeps old cases readable; dropping the old key or the data key makes them unreadable', async () => {
    const old = masterKeysSchema.parse(TEST_PAYLOAD_KEYS);
    const rotated = masterKeysSchema.parse(`${generateKeyEntry()},${TEST_PAYLOAD_KEYS}`);
    const withRotated = new EncryptionCodec(new PayloadKeyRing(rotated, product.db));

    const history = await rawHistory(debtorId);
    await decodePayloadsIn(history, [withRotated]);
    const encodings = new Set(payloadsIn(history).map((p) => text(p.metadata?.encoding)));
    expect(encodings.has('json/plain')).toBe(true);
    expect(encodings.has(ENCRYPTED_ENCODING)).toBe(false);

    // New data keys are wrapped by the new active key; payloads of no debtor use it directly.
    await withRotated.encode([{ metadata: {}, data: Buffer.from('{}') }], {
      type: 'workflow',
      namespace: 'default',
      workflowId: caseWorkflowId('enc-new'),
    });
    const wrapped = await product.db
      .selectFrom('payload_data_keys')
      .select(['debtor_id', 'master_key_id'])
      .where('debtor_id', 'in', [debtorId, 'enc-new'])
      .orderBy('debtor_id')
      .execute();
    expect(wrapped).toEqual([
      { debtor_id: debtorId, master_key_id: old.active.id },
      { debtor_id: 'enc-new', master_key_id: rotated.active.id },
    ]);
    const [sealedByOld] = await new EncryptionCodec(new PayloadKeyRing(old, product.db)).encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"hello"') },
    ]);
    expect(text((await withRotated.decode([sealedByOld!]))[0]?.data)).toBe('"hello"');

    // Without the old master key, the old debtor's data key cannot be unwrapped.
    const newOnly = masterKeysSchema.parse(`${generateKeyEntry()}`);
    await expect(
      decodePayloadsIn(await rawHistory(debtorId), [
        new EncryptionCodec(new PayloadKeyRing(newOnly, product.db)),
      ]),
    ).rejects.toThrow(/MAHNWERK_PAYLOAD_KEYS/);

    // Crypto-shredding: with the data key destroyed, nobody reads that history any more.
    const ring = new PayloadKeyRing(old, product.db);
    await ring.destroy('enc-new');
    await expect(ring.decryptionKey('debtor:enc-new')).rejects.toThrow(/erased/);
  });
});

describe('payload key configuration', () => {
  it('refuses to start in production without keys, naming the variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/MAHNWERK_PAYLOAD_KEYS: is required/);
    expect(loadConfig({ NODE_ENV: 'production', MAHNWERK_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS }).production).toBe(
      true,
    );
  });

  it('rejects malformed keys with what a key must look like', () => {
    expect(() => loadConfig({ MAHNWERK_PAYLOAD_KEYS: 'k1:c2hvcnQ=' })).toThrow(
      /MAHNWERK_PAYLOAD_KEYS.*<id>:<32 bytes/,
    );
    expect(() => loadConfig({ MAHNWERK_PAYLOAD_KEYS: `${TEST_PAYLOAD_KEYS},${TEST_PAYLOAD_KEYS}` })).toThrow(
      /unique/,
    );
  });
});

/** Logs in to the inbox as a real agent would (login form, CSRF cookie); answers the session cookie. */
async function agentSessionCookie(): Promise<string> {
  const password = 'codec-test-password-123';
  const created = await product.request('POST', '/v1/agents', {
    email: 'ops@agents.test',
    name: 'Olga Operator',
    skills: [],
    role: 'supervisor',
    password,
  });
  expect(created.status).toBe(201);
  const form = await fetch(`${product.apiUrl}/inbox/login`);
  const loginCookie = form.headers.getSetCookie()[0]!.split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const login = await fetch(`${product.apiUrl}/inbox/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email: 'ops@agents.test', password }).toString(),
  });
  expect(login.status).toBe(303);
  const session = login.headers.getSetCookie().find((c) => c.startsWith('mw_session='));
  return session!.split(';')[0]!;
}

describe('codec server for the Temporal Web UI', () => {
  const uiOrigin = 'http://localhost:8233';
  const wire = (payloads: ReturnType<typeof payloadsIn>) => ({
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? []).toString('base64'),
    })),
  });
  const decodeCall = (body: unknown, headers: Record<string, string>) =>
    fetch(`${product.apiUrl}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: uiOrigin, 'x-namespace': 'default', ...headers },
      body: JSON.stringify(body),
    });
  const decodedTexts = async (response: Response) =>
    ((await response.json()) as { payloads: { data: string }[] }).payloads.map((p) =>
      Buffer.from(p.data, 'base64').toString('utf8'),
    );

  it('decodes for a signed-in agent (with CORS for the UI origin) and refuses without a session', async () => {
    const body = wire(payloadsIn(await rawHistory(debtorId)));

    const anonymous = await decodeCall(body, {});
    expect(anonymous.status).toBe(401);
    expect(JSON.stringify(await anonymous.json())).not.toContain(debtorId);

    const cookie = await agentSessionCookie();
    const asAgent = await decodeCall(body, { cookie });
    expect(asAgent.status).toBe(200);
    expect(asAgent.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(asAgent.headers.get('access-control-allow-credentials')).toBe('true');
    expect((await decodedTexts(asAgent)).some((t) => t.includes(`"debtorId":"${debtorId}"`))).toBe(true);

    const preflight = await fetch(`${product.apiUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: uiOrigin, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-namespace');
    const foreign = await decodeCall(body, { cookie, origin: 'https://evil.example' });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('encodes and decodes round trip with an API key; a malformed body is a 400 naming the field', async () => {
    const auth = { authorization: `Bearer ${TEST_API_KEY}` };
    const plain = {
      payloads: [
        { metadata: { encoding: btoa('json/plain') }, data: Buffer.from('"Grüße"').toString('base64') },
      ],
    };
    const encoded = await fetch(`${product.apiUrl}/codec/encode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify(plain),
    });
    expect(encoded.status).toBe(200);
    const sealed = (await encoded.json()) as { payloads: { metadata: Record<string, string> }[] };
    expect(atob(sealed.payloads[0]!.metadata.encoding!)).toBe(ENCRYPTED_ENCODING);
    const decoded = await decodeCall(sealed, auth);
    expect(await decodedTexts(decoded)).toEqual(['"Grüße"']);

    const bad = await decodeCall({ payloads: [{ data: '***' }] }, auth);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('payloads.0.data');
  });
});
