import { pino, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger };

/**
 * JSON lines for log collectors; readable lines when a person watches the terminal. Pretty
 * printing runs in-process (no transport thread), so nothing is lost when the process exits.
 */
export function createLogger(level: string, name = 'mahnwerk'): Logger {
  if (!process.stdout.isTTY) return pino({ name, level });
  return pino({ name, level }, pinoPretty({ colorize: true, ignore: 'pid,hostname,name', sync: true }));
}
