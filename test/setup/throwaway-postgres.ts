import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unusedPort } from './ports.js';

/**
 * A PostgreSQL server of the test's own (fresh data directory, free port, the machine's binaries),
 * for a test that stops and starts it: the suite's shared server must stay up for the others.
 * As root, the server runs as the `postgres` user (PostgreSQL refuses to run as root).
 */
export interface ThrowawayPostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

function binDir(): string {
  const onPath = (process.env.PATH ?? '').split(':').find((dir) => existsSync(path.join(dir, 'pg_ctl')));
  if (onPath) return onPath;
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort() : [];
  const latest = versions.at(-1);
  if (!latest) throw new Error('no PostgreSQL binaries (pg_ctl) found: install postgresql');
  return path.join('/usr/lib/postgresql', latest, 'bin');
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = binDir();
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'mahnwerk-pg-'));
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const run = (program: string, args: string[]) => {
    const [command, all] = root
      ? ['runuser', ['-u', 'postgres', '--', path.join(bin, program), ...args]]
      : [path.join(bin, program), args];
    execFileSync(command, all, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const data = path.join(dir, 'data');
  const port = await unusedPort();
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`;
  const start = async () =>
    run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    // `fast`: open connections are cut, as when the database host goes away.
    stop: async () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
    async destroy() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
