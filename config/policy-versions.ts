import type { Policies } from '../activities/index.js';
import { audit, type Actor } from '../db/audit.js';
import type { Database } from '../db/database.js';
import { findPolicyVersion, insertPolicyVersion, latestPolicyVersion } from '../db/policies.js';
import { documentChanges } from '../domain/policy-changes.js';
import { policyDocumentSchema, withDocument, type PolicyDocument } from './policy-file.js';

export interface PolicyVersion {
  version: number;
  document: PolicyDocument;
  policies: Policies;
}

/**
 * The policies in force: the newest published version (policy_versions), else the policy file
 * (version 0). Workers read it when an episode starts (strategies, contact policy, plan limits) and
 * at every re-assessment (segmentation thresholds); the API when a case opens.
 */
export class PolicyVersions {
  private cached: PolicyVersion;

  constructor(
    private readonly db: Database,
    private readonly file: { policies: Policies; document: PolicyDocument },
  ) {
    this.cached = { version: 0, ...file };
  }

  async current(): Promise<PolicyVersion> {
    const version = await latestPolicyVersion(this.db);
    if (version === this.cached.version) return this.cached;
    if (version === 0) return (this.cached = { version: 0, ...this.file });
    const row = await findPolicyVersion(this.db, version);
    // Stored documents passed the schema when published; parsing again fills defaults added since.
    const document = policyDocumentSchema.parse(row?.document);
    this.cached = { version, document, policies: withDocument(this.file.policies, document) };
    return this.cached;
  }

  /**
   * Stores `document` as the next version, with what changed against the one before, and the
   * audit entry `policy.published` in the same transaction.
   */
  async publish(document: PolicyDocument, actor: Actor, reason: string): Promise<number> {
    // Refuses a document whose strategies do not fit (StrategyConfigError) before anything is stored.
    withDocument(this.file.policies, document);
    return insertPolicyVersion(this.db, async (previous, trx) => {
      const before =
        previous === 0
          ? this.file.document
          : policyDocumentSchema.parse((await findPolicyVersion(trx, previous))?.document);
      const changes = documentChanges(before, document);
      await audit(trx, {
        actor: actor.audit,
        action: 'policy.published',
        detail: { version: previous + 1, by: actor.label, reason, changes },
      });
      return { document, changes, by: actor.label, reason };
    });
  }
}
