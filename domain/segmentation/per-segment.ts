import { z } from 'zod';
import { SEGMENTS, type SegmentId } from './types.js';

/**
 * A setting per segment, each optional: a strict object rather than a record keyed by an enum, so
 * the API document (OpenAPI 3.0, which cannot constrain a map's keys) says which keys exist.
 */
export function perSegment<T extends z.ZodType>(value: T) {
  return z.strictObject(
    Object.fromEntries(SEGMENTS.map((segment) => [segment, value.optional()])) as {
      [S in SegmentId]: z.ZodOptional<T>;
    },
  );
}
