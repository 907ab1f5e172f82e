const DAY_MS = 86_400_000;

/** The calendar date (YYYY-MM-DD) of an instant in an IANA time zone. */
export function localDate(instant: Date, timeZone: string): string {
  let format = dateFormats.get(timeZone);
  if (!format) {
    // en-CA formats as YYYY-MM-DD. A formatter costs far more than formatting: one per zone.
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    if (dateFormats.size < 1000) dateFormats.set(timeZone, format);
  }
  return format.format(instant);
}
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** Whole calendar days from a due date to the debtor's local "today"; 0 when not yet due. */
export function daysPastDue(dueDate: string, now: Date, timeZone: string): number {
  const today = Date.parse(`${localDate(now, timeZone)}T00:00:00Z`);
  const due = Date.parse(`${dueDate}T00:00:00Z`);
  return Math.max(0, Math.round((today - due) / DAY_MS));
}

/** A due date as the debtor reads it: "15. März 2026" / "March 15, 2026". */
export function formatDueDate(dueDate: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(
    new Date(`${dueDate}T00:00:00Z`),
  );
}

export const days = (n: number): number => n * DAY_MS;
