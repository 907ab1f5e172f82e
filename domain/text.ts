import { z } from 'zod';

/**
 * Free text that is trimmed before it is checked. The pattern says the same in the OpenAPI
 * document (which knows no trimming): at least `min` characters besides the surrounding blanks.
 */
export function trimmedText(min: number, max: number) {
  const pattern = min <= 1 ? /\S/ : new RegExp(`^\\s*\\S[\\s\\S]{${min - 2},}\\S\\s*$`);
  return z
    .string()
    .regex(pattern, min <= 1 ? 'must not be blank' : `must have at least ${min} characters`)
    .trim()
    .min(min)
    .max(max);
}
