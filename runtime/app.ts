import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createActivities } from '../activities/index.js';
import { PayloadKeyRing } from '../crypto/key-ring.js';
import { loadMasterKeys } from '../crypto/master-keys.js';
import { EncryptionCodec, encryptedDataConverter } from '../crypto/payload-codec.js';
import { createMailer, type Mailer } from '../channels/email/mailer.js';
import { CaseClient } from '../client/cases.js';
import { WebhookDeliveryClient } from '../client/webhooks.js';
import type { Config } from '../config/env.js';
import { initEmbeddedDatabase, migrateToLatest, openDatabase, type Database } from '../db/database.js';
import { activeSubscriptionIds } from '../db/webhooks.js';
import { startSmtpOutbox, type SmtpOutbox } from '../dev/smtp-outbox.js';
import { startSmsSink, type SmsSink } from '../dev/sms-sink.js';
import { startLetterSink, type LetterSink } from '../dev/letter-sink.js';
import { createLetterProvider, type LetterProvider } from '../channels/letter/provider.js';
import { createSmsSender, type SmsSender } from '../channels/sms/sender.js';
import { createHmac } from 'node:crypto';
import * as sa from '../domain/search-attributes.js';
import { loadPolicies } from '../config/policy-file.js';
import { PolicyVersions } from '../config/policy-versions.js';
import { LinkSigner } from '../channels/links.js';
import { loadTemplates, useTemplates } from '../channels/templates.js';
import { linkSecret } from './secret.js';
import { storeApiKey } from '../db/api-keys.js';
import { buildServer } from '../web/server.js';
import { bundleWorkflows, createCaseWorkers } from '../worker/worker.js';
import { ServiceHealth } from './health.js';
import { EmbeddedTemporal, STRICT_PRIORITY_ARGS } from './supervised-temporal.js';
import { installTemporalLogging } from './temporal-logging.js';
import { ensureSweepSchedules } from './schedules.js';
import { warnOnMissingBaseRate } from './base-rate-check.js';
import { ensureSearchAttributes, temporalExecutable } from './temporal.js';

export type Role = 'all' | 'worker' | 'api';

export interface StartOptions {
  role?: Role;
  logger: Logger;
  /** Tests share one bundle between many instances. */
  workflowBundle?: WorkflowBundle;
  /** Tests: keep the embedded database in memory instead of under the data directory. */
  inMemoryDatabase?: boolean;
}

export interface Mahnwerk {
  config: Config;
  db: Database;
  client: Client;
  cases: CaseClient;
  /** The payload codec's keys (erasure destroys a debtor's) and the converter built on them. */
  payloadKeys: PayloadKeyRing;
  dataConverter: DataConverter;
  temporalAddress: string;
  apiUrl: string | undefined;
  temporalUiUrl: string | undefined;
  devOutbox: SmtpOutbox | undefined;
  /** Only in the embedded default: the Twilio-compatible loopback server the SMS go to. */
  devSms: SmsSink | undefined;
  /** Only in the embedded default: the loopback print-and-mail stand-in the letters go to. */
  devLetters: LetterSink | undefined;
  devApiKey: string | undefined;
  /** The policy file in force; undefined for the built-in defaults. */
  policyFile: string | undefined;
  stop(): Promise<void>;
}

/**
 * The embedded dev server: supervised (restarted when it exits) where the CLI is a file here;
 * through the SDK otherwise (its download, which is not supervised).
 */
async function startEmbeddedTemporal(
  config: Config,
  dbFilename: string,
  logger: Logger,
  stops: (() => Promise<void>)[],
): Promise<string> {
  const executable = await temporalExecutable(config.temporal.cliPath, logger);
  const codecEndpoint = `${config.http.publicUrl}/codec`;
  if (executable.type === 'existing-path') {
    const server = await EmbeddedTemporal.start({
      cliPath: executable.path,
      port: config.temporal.port,
      uiPort: config.temporal.uiPort,
      namespace: config.temporal.namespace,
      dbFilename,
      codecEndpoint,
      logger,
    });
    stops.push(() => server.stop());
    return server.address;
  }
  logger.warn('the downloaded Temporal CLI runs unsupervised: if it exits, restart Mahnwerk');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable,
      ip: '127.0.0.1',
      port: config.temporal.port,
      namespace: config.temporal.namespace,
      dbFilename,
      ui: true,
      uiPort: config.temporal.uiPort,
      searchAttributes: sa.allSearchAttributeKeys,
      // The UI decodes payloads through our codec server, for signed-in staff only.
      extraArgs: ['--ui-codec-endpoint', codecEndpoint, ...STRICT_PRIORITY_ARGS],
    },
  });
  stops.push(() => env.teardown());
  return env.address;
}

/** Starts what the role needs, in dependency order; `stop()` takes it down in reverse. */
export async function startMahnwerk(config: Config, options: StartOptions): Promise<Mahnwerk> {
  const { logger } = options;
  const role = options.role ?? 'all';
  installTemporalLogging(logger);
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const fn of stops.reverse()) {
      try {
        await fn();
      } catch (error) {
        logger.warn({ err: error }, 'error while stopping');
      }
    }
  };

  try {
    const { file: policyFile, policies, document: policyDocument } = await loadPolicies(config.policyFile);
    const secret = linkSecret(config.secret, options.inMemoryDatabase ? undefined : config.dataDir);
    const links = new LinkSigner(secret);
    logger.info({ policyFile: policyFile ?? 'built-in defaults' }, 'policies in force');
    warnOnMissingBaseRate(logger, new Date());
    // Every template is read and checked now: a broken file stops start-up, not a send.
    useTemplates(loadTemplates({ overrideDir: config.templatesDir }));
    logger.info({ templatesDir: config.templatesDir ?? 'built-in' }, 'message templates loaded');
    // The slow parts of a start run side by side: bundling the workflows (CPU), creating the
    // embedded database (CPU, first start only) and the Temporal dev server (its own process).
    // The no-op catches only keep an early failure from counting as unhandled; each is awaited below.
    const bundling =
      role === 'api' ? undefined : Promise.resolve(options.workflowBundle ?? bundleWorkflows());
    bundling?.catch(() => {});
    const pgliteDir =
      config.databaseUrl || options.inMemoryDatabase ? undefined : path.join(config.dataDir, 'pglite');
    const databaseFiles = pgliteDir ? initEmbeddedDatabase(pgliteDir) : Promise.resolve();
    databaseFiles.catch(() => {});
    let temporalAddress = config.temporal.address;
    let temporalUiUrl: string | undefined;
    if (!temporalAddress) {
      mkdirSync(config.dataDir, { recursive: true });
      const dbFilename = path.join(config.dataDir, 'temporal.sqlite');
      logger.info({ dbFilename }, 'starting the embedded Temporal dev server');
      temporalAddress = await startEmbeddedTemporal(config, dbFilename, logger, stops);
      temporalUiUrl = `http://localhost:${config.temporal.uiPort}`;
    }

    await databaseFiles;
    const db = openDatabase({ url: config.databaseUrl, pgliteDir });
    stops.push(() => db.destroy());
    const applied = await migrateToLatest(db);
    if (applied.length) logger.info({ applied }, 'database migrated');
    const policyVersions = new PolicyVersions(db, { policies, document: policyDocument });

    // Every payload this process hands to Temporal is encrypted (crypto/payload-codec.ts).
    const masterKeys = loadMasterKeys(
      config.payloadKeys,
      options.inMemoryDatabase ? undefined : config.dataDir,
    );
    const payloadKeys = new PayloadKeyRing(masterKeys, db);
    const codec = new EncryptionCodec(payloadKeys);
    const dataConverter = encryptedDataConverter(codec);
    logger.info({ activeMasterKey: masterKeys.active.id }, 'Temporal payloads are encrypted');

    const connection = await Connection.connect({ address: temporalAddress });
    stops.push(() => connection.close());
    if (config.temporal.address) {
      const added = await ensureSearchAttributes(connection, config.temporal.namespace);
      if (added.length) logger.info({ added }, 'registered search attributes');
    }
    const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter });
    const cases = new CaseClient(client, config.temporal.taskQueue, db);
    const webhooks = new WebhookDeliveryClient(client, config.temporal.taskQueue);
    const health = new ServiceHealth(connection, db, logger);
    health.start();
    stops.push(async () => health.stop());

    // Without a Twilio account, SMS go to the loopback sink with credentials derived from the
    // secret, so a worker and an API started apart (same MAHNWERK_SECRET) agree on signatures.
    const devCredential = (purpose: string) => createHmac('sha256', secret).update(purpose).digest('hex');
    const twilioAccount = config.sms ?? {
      accountSid: `AC${devCredential('dev-twilio-account').slice(0, 32)}`,
      authToken: devCredential('dev-twilio-token'),
      from: '+15005550006',
      messagingServiceSid: undefined,
      apiUrl: undefined,
    };
    let devOutbox: SmtpOutbox | undefined;
    let devSms: SmsSink | undefined;
    let mailer: Mailer | undefined;
    let sms: SmsSender | undefined;
    let devLetters: LetterSink | undefined;
    let letters: LetterProvider | undefined;
    if (role !== 'api') {
      // Without a print service, letters go to the loopback stand-in that /dev/outbox lists.
      if (config.letters) letters = createLetterProvider(config.letters);
      else {
        const sink = await startLetterSink({ port: config.letterSinkPort });
        stops.push(() => sink.close());
        devLetters = sink;
        letters = createLetterProvider({ apiUrl: sink.url });
      }
      if (!config.sms) {
        const sink = await startSmsSink({ port: config.smsSinkPort, ...twilioAccount });
        stops.push(() => sink.close());
        devSms = sink;
      }
      sms = createSmsSender({
        ...twilioAccount,
        apiBaseUrl: twilioAccount.apiUrl ?? devSms?.url,
        statusCallbackUrl: `${config.http.publicUrl}/webhooks/twilio/status`,
      });
      let smtpUrl = config.smtpUrl;
      if (!smtpUrl) {
        devOutbox = await startSmtpOutbox({ port: config.smtpOutboxPort });
        stops.push(() => devOutbox?.close() ?? Promise.resolve());
        smtpUrl = devOutbox.url;
      }
      const activeMailer = createMailer({ smtpUrl, from: config.mailFrom });
      mailer = activeMailer;
      stops.push(async () => activeMailer.close());
    }

    if (mailer && bundling) {
      const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
      const workers = await createCaseWorkers({
        connection: nativeConnection,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        activities: createActivities({
          db,
          mailer,
          sms,
          letters,
          config,
          policies,
          policyVersions,
          links,
          retentionDays: config.retentionDays,
        }),
        workflowBundle: await bundling,
        dataConverter,
        channelRates: config.channelRates,
      });
      const running = workers.run();
      stops.push(async () => {
        workers.shutdown();
        await running;
        await nativeConnection.close();
      });
      await ensureSweepSchedules(client, config.temporal.taskQueue, logger);
      // A subscription whose workflow could not be started when it was created gets it now.
      for (const subscriptionId of await activeSubscriptionIds(db))
        await webhooks.ensureDelivering(subscriptionId);
    }

    let apiUrl: string | undefined;
    let devApiKey: string | undefined;
    if (role !== 'worker') {
      const app: FastifyInstance = await buildServer({
        db,
        cases,
        webhooks,
        logger,
        devOutbox,
        devLetters,
        twilio: { authToken: twilioAccount.authToken, publicUrl: config.http.publicUrl, devSink: devSms },
        policies,
        policyVersions,
        links,
        creditor: config.creditor,
        portal: config.portal,
        publicUrl: config.http.publicUrl,
        trustProxy: config.http.trustProxy,
        apiRateLimit: config.http.apiRateLimit,
        codec: { codec, uiOrigins: config.temporal.uiOrigins },
        payloadKeys,
        health,
      });
      await app.listen({ host: config.http.host, port: config.http.port });
      stops.push(() => app.close());
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.http.port;
      apiUrl = `http://${config.http.host === '0.0.0.0' ? 'localhost' : config.http.host}:${port}`;
      if (!config.temporal.address || config.devApiKey)
        devApiKey = (await storeApiKey(db, 'dev', { key: config.devApiKey })).key;
    }

    return {
      config,
      db,
      client,
      cases,
      payloadKeys,
      dataConverter,
      temporalAddress,
      apiUrl,
      temporalUiUrl,
      devOutbox,
      devSms,
      devLetters,
      devApiKey,
      policyFile,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
