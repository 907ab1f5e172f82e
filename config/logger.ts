import { pino, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger };

/**
 * JSON lines for log collectors; readable lines when a person watches the terminal. Pretty
 * printing runs in-process (no transport thread), so nothing is lost when the process exits.
 * `fd` 2 keeps a program's standard output for its result (the bench's JSON, say).
 */
export function createLogger(level: string, name = 'mahnwerk', fd: 1 | 2 = 1): Logger {
  const stream = fd === 1 ? process.stdout : process.stderr;
  if (!stream.isTTY) return pino({ name, level }, pino.destination({ fd, sync: true }));
  return pino(
    { name, level },
    pinoPretty({ colorize: true, ignore: 'pid,hostname,name', sync: true, destination: fd }),
  );
}
