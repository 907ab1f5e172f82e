import { parseArgs } from 'node:util';
import { z } from 'zod';
import { generateDemoDebtors } from '../demo/generate.js';
import { createDemoAgents, describeDemoAgents } from '../demo/agents.js';
import { DemoLoadError, loadDemoDebtors, normalizeBaseUrl, summarize } from '../demo/load.js';
import { requestDemoHistory } from '../demo/history.js';

const usage = `Usage: npm run demo -- [--count 30] [--seed 42] [--url http://127.0.0.1:3000] [--key <API key>]

Loads synthetic demo debtors (demo-001, demo-002, …) with overdue invoices into a running Mahnwerk
(\`npm start\` in another terminal) through the public API. The first seven cover every segment.
Also creates demo agents for the inbox (agent-de@, agent-en@, manager@, supervisor@mahnwerk.test) and
prints their passwords, and loads 40 past cases marked as demo history for the strategy cockpit.

Options:
  --count <n>        debtors to load, 1-1000 (default 30)
  --seed <n>         seed of the generator; the same seed gives the same debtors (default 42)
  --url <url>        base URL of the API (default http://127.0.0.1:$PORT, PORT defaults to 3000)
  --key <key>        API key (default: $MAHNWERK_API_KEY, then $MAHNWERK_DEV_API_KEY)
  --concurrency <n>  debtors loaded at the same time, 1-16 (default 4)
  -h, --help         this text`;

class UsageError extends Error {}

const intOption = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, `--${name} must be a whole number`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `--${name} must be at least ${min}`)
        .max(max, `--${name} must be at most ${max}`),
    )
    .optional()
    .transform((value) => value ?? fallback);

const noKey =
  'No API key. Pass --key <key>, or set MAHNWERK_API_KEY or MAHNWERK_DEV_API_KEY to the "Dev API key" ' +
  'that `npm start` printed, e.g.\n' +
  '  MAHNWERK_DEV_API_KEY=<dev key> npm run demo\n' +
  'To choose the key yourself, start the product with MAHNWERK_DEV_API_KEY=dev-key-0123456789abcdef npm start.';

const argsSchema = z.object({
  count: intOption('count', 1, 1000, 30),
  seed: intOption('seed', 0, 0xffff_ffff, 42),
  concurrency: intOption('concurrency', 1, 16, 4),
  url: z.url({ protocol: /^https?$/, error: '--url must be an http(s) URL such as http://127.0.0.1:3000' }),
  key: z.string({ error: noKey }).trim().min(1, { error: noKey }),
});

function parse(argv: string[], env: NodeJS.ProcessEnv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string' },
      seed: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help' as const;
  const parsed = argsSchema.safeParse({
    count: values.count,
    seed: values.seed,
    concurrency: values.concurrency,
    url: values.url ?? `http://127.0.0.1:${env.PORT || '3000'}`,
    key: values.key ?? (env.MAHNWERK_API_KEY || env.MAHNWERK_DEV_API_KEY || undefined),
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join('\n'));
  return parsed.data;
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv, process.env);
  if (args === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const debtors = generateDemoDebtors({ seed: args.seed, count: args.count, now: new Date() });
  process.stdout.write(`Loading ${debtors.length} demo debtors into ${args.url} …\n`);
  const result = await loadDemoDebtors({
    url: args.url,
    apiKey: args.key,
    debtors,
    concurrency: args.concurrency,
  });
  process.stdout.write(
    `${summarize(result, {
      apiUrl: args.url,
      webUiUrl: `http://localhost:${process.env.TEMPORAL_UI_PORT || '8233'}`,
      namespace: process.env.TEMPORAL_NAMESPACE || 'default',
      seed: args.seed,
    })}\n`,
  );
  process.stdout.write(`${await requestDemoHistory({ url: args.url, apiKey: args.key })}\n`);
  const agents = await createDemoAgents({ url: args.url, apiKey: args.key });
  process.stdout.write(`${describeDemoAgents(`${normalizeBaseUrl(args.url)}/inbox`, agents)}\n`);
  if (result.failed.length > 0) {
    process.stderr.write(
      `\n${result.failed.length} of ${debtors.length} debtors failed (see above); every call is idempotent, run the same command again.\n`,
    );
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${usage}\n`);
    else if (error instanceof DemoLoadError) process.stderr.write(`${error.message}\n`);
    else if (
      error instanceof TypeError &&
      'code' in error &&
      String(error.code).startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`${error.message}\n\n${usage}\n`);
    } else {
      process.stderr.write(
        `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
    process.exitCode = 1;
  },
);
