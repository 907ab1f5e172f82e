import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_PAYLOAD_KEYS } from './harness.js';

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'mahnwerk.ts');
const KEEP_OUTPUT = 8000;
/** The allocator setting `npm start` and the image run the product with (package.json, Dockerfile). */
export const PRODUCT_PROCESS_ENV = { MALLOC_ARENA_MAX: '2' } as const;
/** USER_HZ: 100 on every Linux the product runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** The name and CPU seconds (user + system) in a /proc stat file: fields 14 and 15, after the name. */
function statCpu(file: string): { name: string; seconds: number } {
  const stat = readFileSync(file, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(') '));
  return { name, seconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND };
}

export interface WorkerProcess {
  pid: number;
  /** Its resident memory now (Linux /proc), in MiB. */
  rssMiB(): number;
  /** CPU seconds (user + system) it has used so far (Linux /proc). */
  cpuSeconds(): number;
  /**
   * The same per thread: `main`, or the thread's name and id (Node's worker threads, among them the
   * workflow thread and the embedded database's, are all `node`; the Temporal core's are `tokio-…`).
   */
  cpuSecondsByThread(): Map<string, number>;
  /** SIGTERM, as an operator stops it: it shuts down what it started; resolves once it is gone. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash or the OOM killer would; resolves once the process is gone. */
  kill(): Promise<void>;
  /** The end of what it printed, for a failure message. */
  output(): string;
}

/**
 * `mahnwerk <role>` (default `worker`) in a process of its own, as deployed. Started as `node --import tsx` rather than
 * through the tsx launcher, so the pid is the worker itself and a SIGKILL really kills it. Resolves
 * when the worker says it is running; only the given variables (and PATH/HOME, the test payload keys)
 * reach it.
 */
export async function startWorkerProcess(
  env: Record<string, string>,
  role: 'worker' | 'api' | 'start' = 'worker',
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, role], {
    // Every process of a deployment needs the same payload keys: the tests' own unless told otherwise.
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MAHNWERK_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
      ...PRODUCT_PROCESS_ENV,
      ...env,
    },
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
      reject(new Error(`the ${role} process ended before it ran (${how}):\n${output}`)),
    );
  });
  const pid = child.pid!;
  return {
    pid,
    rssMiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024,
    cpuSeconds() {
      return statCpu(`/proc/${pid}/stat`).seconds;
    },
    cpuSecondsByThread() {
      const byThread = new Map<string, number>();
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        try {
          const { name, seconds } = statCpu(`/proc/${pid}/task/${task}/stat`);
          byThread.set(Number(task) === pid ? 'main' : `${name} ${task}`, seconds);
        } catch {
          // The thread ended between the listing and the read.
        }
      }
      return byThread;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    output: () => output,
  };
}
