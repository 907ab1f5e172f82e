import { describe, expect, it } from 'vitest';
import { isTimeZone } from '../domain/debtor.js';
import { toLocal } from '../domain/contact-policy/index.js';
import { utcOffsetHours, zoneAtHour } from './setup/harness.js';

// Tests pick a debtor zone by the wall clock's hour; one the API refuses fails whole suites at one hour a day.
describe('zoneAtHour', () => {
  it('gives a zone the API accepts at every hour of the day', () => {
    const midnight = Date.UTC(2026, 11, 3);
    for (let hour = 0; hour < 24; hour++) {
      const zone = zoneAtHour(midnight + hour * 3_600_000, [12]);
      expect(isTimeZone(zone), `${zone} at ${hour}:00 UTC`).toBe(true);
    }
  });

  it('knows the UTC offset of the zone it gives', () => {
    const midnight = Date.UTC(2026, 11, 3);
    for (let hour = 0; hour < 24; hour++) {
      const now = midnight + hour * 3_600_000;
      const zone = zoneAtHour(now, [12]);
      expect((hour + utcOffsetHours(zone) + 24) % 24, zone).toBe(toLocal(now, zone).hour);
    }
  });
});
