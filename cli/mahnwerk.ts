import { parseArgs } from 'node:util';
import type { Config } from '../config/env.js';
import type { Role } from '../runtime/app.js';
import path from 'node:path';

// Every command loads its modules when it runs: `assess` starts without the import's database
// client, the server, the templates or the policy file's YAML reader (a --config loads it).

async function usage(): Promise<string> {
  const [{ apiKeyUsage }, { simulateUsage }] = await Promise.all([
    import('./api-keys.js'),
    import('../simulation/script.js'),
  ]);
  return `Usage: npm run mahnwerk -- <command>

Commands:
  start                 everything on embedded defaults (Temporal dev server, PGlite, SMTP outbox, SMS sink, worker, API)
  worker                only the Temporal worker (for deployments with TEMPORAL_ADDRESS)
  api                   only the HTTP API
  migrate               apply database migrations and exit
  agent create-admin --email <email> --name <name>
                        create the first admin of the agent inbox (password from
                        MAHNWERK_ADMIN_PASSWORD, else asked for)
  payload-key generate  print a new payload master key entry (put it first in MAHNWERK_PAYLOAD_KEYS
                        or the key file to rotate; keep the old ones after it)
  ${apiKeyUsage}
  assess <debtors.jsonl|.ndjson|.csv> [--config segmentation.yaml]
                        segment a debtor file offline: distribution, top reasons, missing data
  import <debtors.csv|.jsonl|.ndjson> [--url http://127.0.0.1:3000] [--key <API key>] [--dry-run]
                        bulk import of debtors with one invoice per row into a running instance
                        (key from --key or MAHNWERK_API_KEY); --dry-run checks and segments locally
  ${simulateUsage}`;
}

async function openConfiguredDatabase(config: Config) {
  const { migrateToLatest, openDatabase } = await import('../db/database.js');
  const db = openDatabase({ url: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') });
  return { db, migrateToLatest: () => migrateToLatest(db) };
}

async function serve(config: Config, role: Role): Promise<void> {
  const { createLogger } = await import('../config/logger.js');
  const logger = createLogger(config.logLevel);
  const { startMahnwerk } = await import('../runtime/app.js');
  const mahnwerk = await startMahnwerk(config, { role, logger });
  const { apiUrl, devOutbox, devSms, devLetters } = mahnwerk;
  const where: [label: string, value: string | undefined][] = [
    ['API', apiUrl && `${apiUrl}/v1`],
    ['API docs', apiUrl && `${apiUrl}/docs`],
    ['Temporal Web UI', mahnwerk.temporalUiUrl],
    ['Temporal', `${mahnwerk.temporalAddress} (namespace ${config.temporal.namespace})`],
    [
      'Dev outbox',
      devOutbox &&
        apiUrl &&
        `${apiUrl}/dev/outbox (SMTP ${devOutbox.url}${devSms ? `, Twilio-compatible SMS ${devSms.url}` : ''}${devLetters ? `, letters ${devLetters.url}` : ''})`,
    ],
    [
      'SMS',
      config.sms
        ? `Twilio account ${config.sms.accountSid}`
        : 'embedded Twilio-compatible sink (set TWILIO_ACCOUNT_SID for real SMS)',
    ],
    [
      'Database',
      config.databaseUrl
        ? 'PostgreSQL (DATABASE_URL)'
        : `embedded PGlite in ${path.join(config.dataDir, 'pglite')}`,
    ],
    [
      'Policies',
      mahnwerk.policyFile ?? 'built-in defaults (create mahnwerk.config.yaml or set MAHNWERK_CONFIG)',
    ],
    ['Dev API key', mahnwerk.devApiKey],
  ];
  const shown = where.filter((entry): entry is [string, string] => entry[1] !== undefined);
  if (process.stdout.isTTY) {
    // A person is watching: the banner, next to logs that are pretty-printed too.
    const lines = [
      '',
      'Mahnwerk is running.',
      ...shown.map(([label, value]) => `  ${label.padEnd(15)} ${value}`),
      mahnwerk.devApiKey && '\nOpen a first case with the curl commands in README.md ("What you see where").',
      '\nPress Ctrl-C to stop.',
    ];
    process.stdout.write(`${lines.filter(Boolean).join('\n')}\n`);
  } else {
    // Piped into a collector: one JSON line like every other, with the addresses as fields; at
    // level info even when LOG_LEVEL is quieter, since supervisors and tests wait for this line.
    logger.child({}, { level: 'info' }).info(Object.fromEntries(shown), 'Mahnwerk is running.');
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    mahnwerk.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  // simulate has options of its own; the other commands share one set.
  if (argv[0] === 'simulate') {
    const { runSimulate } = await import('./simulate.js');
    return runSimulate(argv.slice(1), process.stdout, process.stderr);
  }
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      scopes: { type: 'string' },
      id: { type: 'string' },
      email: { type: 'string' },
      config: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${await usage()}\n`);
    return;
  }
  if (command === 'assess') {
    if (!sub) throw new UsageError('assess needs a file: assess <debtors.jsonl|.csv> [--config file]');
    const { runAssess } = await import('./assess.js');
    return runAssess(sub, { configPath: values.config, out: process.stdout });
  }
  if (command === 'import') {
    if (!sub)
      throw new UsageError('import needs a file: import <debtors.csv|.jsonl> [--url URL] [--dry-run]');
    const { runImport } = await import('./import.js');
    process.exitCode = await runImport({
      file: sub,
      url: values.url ?? `http://127.0.0.1:${process.env.PORT || '3000'}`,
      key: values.key ?? (process.env.MAHNWERK_API_KEY || undefined),
      dryRun: values['dry-run'] ?? false,
      out: process.stdout,
      err: process.stderr,
    });
    return;
  }
  if (command === 'payload-key') {
    if (sub !== 'generate') throw new UsageError('payload-key generate');
    const { generateKeyEntry } = await import('../crypto/master-keys.js');
    process.stdout.write(`${generateKeyEntry()}\n`);
    return;
  }
  const { loadConfig } = await import('../config/env.js');
  const config = loadConfig();
  switch (command) {
    case 'start':
      return serve(config, 'all');
    case 'worker':
    case 'api':
      return serve(config, command);
    case 'migrate': {
      const { db, migrateToLatest } = await openConfiguredDatabase(config);
      const applied = await migrateToLatest();
      await db.destroy();
      process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Database is up to date.\n');
      return;
    }
    case 'api-key': {
      const { db, migrateToLatest } = await openConfiguredDatabase(config);
      try {
        await migrateToLatest();
        const { runApiKeyCommand } = await import('./api-keys.js');
        process.stdout.write(`${await runApiKeyCommand(db, sub, values)}\n`);
      } finally {
        await db.destroy();
      }
      return;
    }
    case 'agent': {
      if (sub !== 'create-admin') throw new UsageError('agent create-admin --email <email> --name <name>');
      const { db, migrateToLatest } = await openConfiguredDatabase(config);
      try {
        await migrateToLatest();
        const { createAdmin } = await import('./agents.js');
        const line = await createAdmin(db, {
          email: values.email,
          name: values.name,
          password: config.adminPassword,
        });
        process.stdout.write(`${line}\n`);
      } finally {
        await db.destroy();
      }
      return;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

/** What to tell the user about a failure: the modules that define the errors load only now. */
async function failureText(error: unknown): Promise<string> {
  if (error instanceof UsageError) return `${error.message}\n\n${await usage()}`;
  const [
    { ConfigError },
    { PolicyFileError },
    { TemplateError },
    { ScriptError, SimulateUsageError, simulateUsage },
    { AgentCommandError },
    { ImportCommandError },
    { ApiKeyCommandError },
  ] = await Promise.all([
    import('../config/env.js'),
    import('../config/policy-file.js'),
    import('../channels/templates.js'),
    import('../simulation/script.js'),
    import('./agents.js'),
    import('./import.js'),
    import('./api-keys.js'),
  ]);
  if (error instanceof ConfigError) {
    return `${error.message}\nFix the variable(s) above and start again (see README, "Configuration").\n`;
  }
  if (error instanceof PolicyFileError || error instanceof TemplateError) return `${error.message}\n`;
  if (error instanceof SimulateUsageError || error instanceof ScriptError) {
    return `${error.message}\n\n${simulateUsage}\n`;
  }
  if (
    error instanceof AgentCommandError ||
    error instanceof ImportCommandError ||
    error instanceof ApiKeyCommandError
  ) {
    return `${error.message}\n`;
  }
  return `mahnwerk failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
}

main(process.argv.slice(2)).catch(async (error: unknown) => {
  process.stderr.write(await failureText(error));
  process.exit(1);
});
