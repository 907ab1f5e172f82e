import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'mahnwerk'): Logger {
  return pino({ name, level });
}
