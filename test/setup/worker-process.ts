import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'mahnwerk.ts');
const KEEP_OUTPUT = 8000;

export interface WorkerProcess {
  pid: number;
  /** SIGKILL, as a crash or the OOM killer would; resolves once the process is gone. */
  kill(): Promise<void>;
  /** The end of what it printed, for a failure message. */
  output(): string;
}

/**
 * `mahnwerk worker` in a process of its own, as deployed. Started as `node --import tsx` rather than
 * through the tsx launcher, so the pid is the worker itself and a SIGKILL really kills it. Resolves
 * when the worker says it is running; only the given variables (and PATH/HOME) reach it.
 */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'worker'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(String(signal ?? code))),
  );
  await new Promise<void>((resolve, reject) => {
    // Read everything it prints, always: a full pipe would block the worker's logging.
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-KEEP_OUTPUT);
      if (output.includes('Mahnwerk is running.')) resolve();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    void exited.then((how) =>
      reject(new Error(`the worker process ended before it ran (${how}):\n${output}`)),
    );
  });
  return {
    pid: child.pid!,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    output: () => output,
  };
}
