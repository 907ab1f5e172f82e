import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

let installed = false;

/** Routes the Temporal SDK's own logs (worker, bundler) into pino. Once per process. */
export function installTemporalLogging(logger: Logger): void {
  if (installed) return;
  installed = true;
  const level: LogLevel = logger.isLevelEnabled('debug')
    ? 'DEBUG'
    : logger.isLevelEnabled('info')
      ? 'INFO'
      : 'WARN';
  const sdkLogger = logger.child({ component: 'temporal-sdk' });
  // The per-channel send workers poll activities only, by design: not worth a warning.
  const expected = new Set(['No workflows registered, not polling for workflow tasks']);
  Runtime.install({
    logger: new DefaultLogger(level, ({ level: entryLevel, message, meta }) => {
      const method = expected.has(message)
        ? 'debug'
        : entryLevel === 'ERROR'
          ? 'error'
          : entryLevel === 'WARN'
            ? 'warn'
            : entryLevel === 'INFO'
              ? 'info'
              : 'debug';
      sdkLogger[method](meta ?? {}, message);
    }),
  });
}
