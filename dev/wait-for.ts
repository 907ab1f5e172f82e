import type { EventEmitter } from 'node:events';

/**
 * The first item, stored already or arriving later as a 'message' event, that matches; rejected on
 * the emitter's 'close' or after the timeout, with `describe` saying what was waited for.
 */
export function waitForMessage<T>(
  events: EventEmitter,
  stored: readonly T[],
  predicate: (item: T) => boolean,
  timeoutMs: number,
  describe: { what: string; closed: string; seen: () => number },
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const existing = stored.find(predicate);
    if (existing) {
      resolve(existing);
      return;
    }
    const finish = () => {
      clearTimeout(timer);
      events.off('message', onMessage);
      events.off('close', onClose);
    };
    const onMessage = (item: T) => {
      try {
        if (!predicate(item)) return;
        finish();
        resolve(item);
      } catch (err) {
        finish();
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    const onClose = () => {
      finish();
      reject(new Error(describe.closed));
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`${describe.what} within ${timeoutMs} ms (${describe.seen()} so far)`));
    }, timeoutMs);
    events.on('message', onMessage);
    events.on('close', onClose);
  });
}
