import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'mahnwerk.ts');
const ZONES = ['Europe/Berlin', 'Europe/Vienna', 'America/New_York', null];
const FLAGS = [[], [], [], ['hardship'], ['vulnerable'], ['legal-hold']];

/** A debtor file of `count` varied JSON lines, written as a stream (flat memory here too). */
export async function writeDebtorFile(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    const line = JSON.stringify({
      debtorId: `d-${i}`,
      locale: i % 7 === 0 ? null : i % 2 ? 'de' : 'en',
      timezone: ZONES[i % ZONES.length],
      country: 'DE',
      flags: FLAGS[i % FLAGS.length],
      customerValue: ['A', 'B', 'C'][i % 3],
      paymentHistory: { onTimeRate: (i % 10) / 10, brokenPromises: i % 4 },
      openAmount: 500 + ((i * 7919) % 200_000),
      currency: 'EUR',
      daysPastDue: (i * 31) % 240,
      contactPoints:
        i % 9 === 0 ? [] : [{ channel: i % 3 ? 'email' : 'sms', consent: i % 11 !== 0, optedOut: false }],
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Wall seconds of `mahnwerk assess FILE`, as a user runs it. */
export async function timeAssess(file: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'assess', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`mahnwerk assess ${file} failed (${code}): ${stderr}`);
  return (performance.now() - started) / 1000;
}
