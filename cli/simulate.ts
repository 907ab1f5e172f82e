import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadPolicies, readPolicyFile } from '../config/policy-file.js';
import { loadTemplates, useTemplates } from '../channels/templates.js';
import { debtorRowSchema } from '../simulation/debtor.js';
import { simulateJourney, type Journey, type JourneyEntry } from '../simulation/journey.js';
import { parseScriptedEvent, SimulateUsageError } from '../simulation/script.js';
import { bundleWorkflows } from '../worker/worker.js';
import { DefaultLogger, Runtime } from '@temporalio/worker';

/** `mahnwerk simulate`: prints the journey as a table, or one JSON object per line with --json. */
export async function runSimulate(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream) {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      days: { type: 'string', default: '120' },
      start: { type: 'string' },
      event: { type: 'string', multiple: true, default: [] },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new SimulateUsageError('simulate needs exactly one debtor file');
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 3650)
    throw new SimulateUsageError(`--days ${values.days}: expected a whole number of days from 1 to 3650`);
  const events = values.event.map(parseScriptedEvent);
  const start = values.start ?? tomorrow();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(start)))
    throw new SimulateUsageError(
      `--start ${start}: expected a date YYYY-MM-DD (the case opens at 09:00 there)`,
    );
  const debtor = await readDebtor(file);
  const policies = values.config
    ? await readPolicyFile(values.config)
    : (await loadPolicies(undefined)).policies;

  // The SDK's own warnings go to stderr as they are. (Routing them through pino, as the product does,
  // stalled time skipping on the test server here.)
  Runtime.install({ logger: new DefaultLogger('WARN') });
  useTemplates(loadTemplates());
  const progress = progressLine(err, days);
  const journey = await simulateJourney({
    debtor,
    events,
    days,
    openOn: start,
    policies,
    workflowBundle: await bundleWorkflows(),
    onDay: progress.update,
  });
  progress.done();
  if (values.json) {
    for (const entry of journey.entries) out.write(`${JSON.stringify(entry)}\n`);
  } else {
    out.write(formatJourney(journey, debtor.timezone ?? 'Europe/Berlin'));
  }
}

const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

async function readDebtor(file: string) {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new SimulateUsageError(
      `${file}: ${error instanceof Error ? error.message : String(error)} (expected one debtor as a JSON object, the shape "mahnwerk assess" reads)`,
    );
  }
  const parsed = debtorRowSchema.safeParse(data);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new SimulateUsageError(`${file}: ${fields.join('; ')}`);
  }
  return parsed.data;
}

function progressLine(err: NodeJS.WritableStream, days: number) {
  const tty = (err as { isTTY?: boolean }).isTTY === true;
  return {
    update: (day: number) => {
      if (tty) err.write(`\rsimulating day ${day}/${days}…`);
    },
    done: () => {
      if (tty) err.write('\r\x1b[K');
    },
  };
}

export function formatJourney(journey: Journey, timezone: string): string {
  const rows = journey.entries.map((e: JourneyEntry) =>
    [String(e.day).padStart(3), e.localTime, e.segment.padEnd(15), e.type.padEnd(22), e.summary].join('  '),
  );
  const end = journey.final.next
    ? `${journey.final.status}, next: ${journey.final.next}${journey.final.nextAt ? ` at ${journey.final.nextAt}` : ''}`
    : journey.final.status;
  return [
    `Journey of ${journey.debtorId} over ${journey.days} days (times in ${timezone})`,
    `day  local time        segment          event                   what happened`,
    ...rows,
    `End of simulation: ${end}`,
    '',
  ].join('\n');
}
