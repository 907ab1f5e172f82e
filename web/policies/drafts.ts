import type { PolicyDocument } from '../../config/policy-file.js';
import { policyDocumentSchema, withDocument } from '../../config/policy-file.js';
import type { PolicyVersions } from '../../config/policy-versions.js';
import { ConflictError } from '../../db/billing.js';
import type { Actor } from '../../db/audit.js';
import type { Database } from '../../db/database.js';
import { findPolicyDraft, savePolicyDraft } from '../../db/policies.js';
import { StrategyConfigError } from '../../domain/strategies/config.js';
import { documentChanges } from '../../domain/policy-changes.js';
import { InputError } from '../input-error.js';
import { previewPolicies, type PolicyPreview } from './preview.js';

/** The draft's strategies must fit the segments' steps: refused with the field, nothing stored. */
function checked(base: Parameters<typeof withDocument>[0], document: PolicyDocument) {
  try {
    return withDocument(base, document);
  } catch (error) {
    if (error instanceof StrategyConfigError) {
      const [field = 'strategies', ...rest] = error.message.split(': ');
      throw new InputError(field, rest.join(': ') || error.message);
    }
    throw error;
  }
}

export async function saveDraft(
  db: Database,
  versions: PolicyVersions,
  document: PolicyDocument,
  actor: Actor,
): Promise<{ basedOn: number; changes: ReturnType<typeof documentChanges> }> {
  const current = await versions.current();
  checked(current.policies, document);
  const changes = documentChanges(current.document, document);
  await savePolicyDraft(db, {
    document,
    basedOn: current.version,
    actor,
    changed: changes.map((c) => c.path),
  });
  return { basedOn: current.version, changes };
}

/** The stored draft, refused when there is none or the policies were published since it was made. */
async function currentDraft(db: Database, versions: PolicyVersions) {
  const row = await findPolicyDraft(db);
  if (!row) throw new ConflictError('there is no draft: PUT /v1/policies/draft first');
  const current = await versions.current();
  if (row.based_on !== current.version) {
    throw new ConflictError(
      `the draft was made on version ${row.based_on}, version ${current.version} is in force now: save the draft again and preview it`,
    );
  }
  const document = policyDocumentSchema.parse(row.document);
  return { row, document, current, policies: checked(current.policies, document) };
}

export async function previewDraft(
  db: Database,
  versions: PolicyVersions,
): Promise<PolicyPreview & { basedOn: number }> {
  const { current, policies } = await currentDraft(db, versions);
  return { basedOn: current.version, ...(await previewPolicies(db, current.policies, policies)) };
}

export async function publishDraft(
  db: Database,
  versions: PolicyVersions,
  actor: Actor,
  reason: string,
): Promise<{ version: number }> {
  const { document } = await currentDraft(db, versions);
  return { version: await versions.publish(document, actor, reason) };
}
