import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { unusedPort } from '../test/setup/ports.js';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Seconds from `git clone` of this checkout's branch through `npm ci` to `npm start` saying
 * "Mahnwerk is running", as a new user experiences it (without the project's .tools, so the
 * Temporal CLI is fetched as on a fresh machine). Returns the phases too.
 */
export async function measureFirstStart(): Promise<{ total: number; install: number; start: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mahnwerk-first-start-'));
  const clone = path.join(dir, 'mahnwerk');
  try {
    const t0 = performance.now();
    const { stdout: branch } = await run('git', ['-C', repo, 'rev-parse', '--abbrev-ref', 'HEAD']);
    await run('git', ['clone', '--quiet', '--branch', branch.trim(), repo, clone]);
    await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: clone, maxBuffer: 64 << 20 });
    const t1 = performance.now();
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MAHNWERK_DATA_DIR: path.join(clone, 'data'),
      PORT: String(await unusedPort()),
      TEMPORAL_PORT: String(await unusedPort()),
      TEMPORAL_UI_PORT: String(await unusedPort()),
      SMTP_OUTBOX_PORT: String(await unusedPort()),
      SMS_SINK_PORT: String(await unusedPort()),
      LETTER_SINK_PORT: String(await unusedPort()),
    };
    // npm start's own process group, so that stopping it stops the dev server it started too.
    const child = spawn('npm', ['start'], {
      cwd: clone,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const collect = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-8000);
        if (output.includes('Mahnwerk is running')) resolve();
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.once('exit', (code) => reject(new Error(`npm start ended (${code}) before it ran:\n${output}`)));
    });
    const t2 = performance.now();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    return { total: (t2 - t0) / 1000, install: (t1 - t0) / 1000, start: (t2 - t1) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
