import type { CaseInput, CaseOutcome } from '../domain/case.js';
import type { SegmentId } from '../domain/segmentation/types.js';
import type { WorkflowTypeOf } from '../domain/strategies/types.js';
import { runEpisode } from './episode/run.js';

/** A case workflow that runs one segment's strategy; `segment` lets the compiler check the map below. */
type CaseWorkflow<S extends SegmentId> = ((input: CaseInput) => Promise<CaseOutcome>) & {
  readonly segment: S;
};

const episodeOf = <S extends SegmentId>(segment: S): CaseWorkflow<S> =>
  Object.assign((input: CaseInput) => runEpisode(segment, input), { segment });

/**
 * One workflow type per segment, so the Web UI shows at a glance what treatment a case gets. Keyed
 * by the workflow type names of domain/strategies (SEGMENT_WORKFLOW_TYPES): a missing segment, an
 * extra name or a name paired with the wrong segment does not compile.
 */
export const caseWorkflows: { [S in SegmentId as WorkflowTypeOf<S>]: CaseWorkflow<S> } = {
  protectedCase: episodeOf('protected'),
  dataCollection: episodeOf('data-collection'),
  smallBalanceOutreach: episodeOf('small-balance'),
  selfServiceOutreach: episodeOf('self-service'),
  assistedOutreach: episodeOf('assisted'),
  personalOutreach: episodeOf('personal'),
  highRiskOutreach: episodeOf('high-risk'),
};

// The worker registers the module's exports by name: one per workflow type.
export const {
  protectedCase,
  dataCollection,
  smallBalanceOutreach,
  selfServiceOutreach,
  assistedOutreach,
  personalOutreach,
  highRiskOutreach,
} = caseWorkflows;
