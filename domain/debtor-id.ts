import { z } from 'zod';

/** The rule of a debtor id, also for checks without zod (a file's rows, see cli/plain-snapshot.ts). */
export const DEBTOR_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;
export const DEBTOR_ID_MAX_LENGTH = 100;

/** A debtor's id as billing gives it: opaque, never an e-mail address or a name. */
export const debtorIdSchema = z
  .string()
  .min(1)
  .max(DEBTOR_ID_MAX_LENGTH)
  .regex(DEBTOR_ID_PATTERN, 'use letters, digits and . _ : - only (an opaque id, not an e-mail or name)');
