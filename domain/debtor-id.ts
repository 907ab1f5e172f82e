import { z } from 'zod';

/** A debtor's id as billing gives it: opaque, never an e-mail address or a name. */
export const debtorIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, 'use letters, digits and . _ : - only (an opaque id, not an e-mail or name)');
