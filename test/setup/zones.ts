import { toLocal } from '../../domain/contact-policy/index.js';

/**
 * Tests on the real clock: the contact policy would rightly hold contact back at night or on a
 * Sunday, so their debtors live in a zone where it is a weekday around midday now.
 */
export function zoneInContactWindowNow(): string {
  for (let offset = -12; offset <= 14; offset++) {
    const zone = offset >= 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
    const local = toLocal(Date.now(), zone);
    if (local.weekday <= 6 && local.hour >= 10 && local.hour <= 17) return zone;
  }
  throw new Error('no zone is inside the contact window now');
}

/** Asks again until the answer is what the test waits for (eventually consistent reads), at most 20 s. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
