/** One changed field of a policy document: `segmentation.smallBalanceMax` 2500 → 4000. */
export interface FieldChange {
  path: string;
  from: unknown;
  to: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields that differ between two documents (arrays compare as a whole), by dotted path. */
export function documentChanges(from: unknown, to: unknown, path = ''): FieldChange[] {
  if (isRecord(from) && isRecord(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return keys.flatMap((key) => documentChanges(from[key], to[key], path ? `${path}.${key}` : key));
  }
  return JSON.stringify(from) === JSON.stringify(to) ? [] : [{ path, from: from ?? null, to: to ?? null }];
}
