import type { CaseStatus } from '../../domain/case.js';
import type { SegmentId } from '../../domain/segmentation/types.js';

/** Thrown out of any wait when the assessment puts the debtor into another segment. */
export class SegmentChanged {
  constructor(readonly segment: SegmentId) {}
}

/** Thrown out of any wait when the case is over (paid, cancelled, escalated, written off). */
export class CaseClosed {
  constructor(readonly status: CaseStatus) {}
}

/** Rejects an update from its validator with a message the caller can act on. */
export function fail(message: string): never {
  throw new Error(message);
}
