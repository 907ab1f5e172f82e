import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { policyDocumentSchema, withDocument } from '../../config/policy-file.js';
import type { PolicyVersions } from '../../config/policy-versions.js';
import { ConflictError, NotFoundError } from '../../db/billing.js';
import { auditActor, type Actor } from '../../db/audit.js';
import type { Database } from '../../db/database.js';
import { listExperiments } from '../../db/experiments.js';
import { findPolicyDraft, listPolicyVersions } from '../../db/policies.js';
import { experimentInputSchema } from '../../domain/experiments/experiment.js';
import {
  experimentResults,
  promoteExperiment,
  startExperiment,
  stopExperiment,
} from '../experiments/service.js';
import type { AgentSession } from '../inbox/session.js';
import { InputError } from '../input-error.js';
import { previewDraft, publishDraft, saveDraft } from '../policies/drafts.js';
import { html } from './routes.js';
import { manageText } from './manage-i18n.js';
import { experimentsPage, policiesPage, type Message } from './manage-views.js';
import { experimentFromForm } from './experiment-form.js';
import { documentFromForm, movedRuleOrder, type PolicyForm } from './policy-form.js';

const langOf = (source: unknown) =>
  z
    .object({ lang: z.enum(['de', 'en']).catch('en') })
    .catch({ lang: 'en' })
    .parse(source).lang;

/** What a refused form says: the field and why, or the conflict. */
function refusal(error: unknown): Message {
  if (error instanceof z.ZodError)
    return { kind: 'error', text: error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  if (error instanceof InputError) return { kind: 'error', text: `${error.field}: ${error.message}` };
  if (error instanceof ConflictError || error instanceof NotFoundError)
    return { kind: 'error', text: error.message };
  throw error;
}

/**
 * The cockpit's experiment and policy pages: plain forms (CSRF-checked by the staff scope) over the
 * same services as /v1/experiments and /v1/policies; the manager's e-mail is recorded as the author.
 */
export async function managePages(
  cockpit: FastifyInstance,
  {
    db,
    policyVersions,
    sessionOf,
  }: { db: Database; policyVersions: PolicyVersions; sessionOf: (r: FastifyRequest) => AgentSession },
): Promise<void> {
  // The staff user of the session: `agent:<id>` in the audit log, the e-mail as author.
  const staffActor = (request: FastifyRequest): Actor => {
    const { agent } = sessionOf(request);
    return { audit: auditActor.agent(agent.id), label: agent.email };
  };

  const showExperiments = async (
    request: FastifyRequest,
    status: number,
    message: Message,
    lang = langOf(request.query),
  ) => {
    const { policies } = await policyVersions.current();
    const results = await Promise.all(
      (await listExperiments(db)).map((e) => experimentResults(db, policies, e.id)),
    );
    return { status, body: experimentsPage(sessionOf(request), lang, results, policies.strategies, message) };
  };

  cockpit.get('/cockpit/experiments', { schema: { hide: true } }, async (request, reply) => {
    const page = await showExperiments(request, 200, undefined);
    return html(reply, page.status, page.body);
  });

  cockpit.post('/cockpit/experiments', { schema: { hide: true } }, async (request, reply) => {
    const lang = langOf(request.body);
    const t = manageText[lang];
    let message: Message;
    try {
      const input = experimentInputSchema.parse(experimentFromForm(request.body as PolicyForm));
      const { policies } = await policyVersions.current();
      await startExperiment(db, policies, input, staffActor(request));
      message = { kind: 'ok', text: t.created };
    } catch (error) {
      message = refusal(error);
    }
    const page = await showExperiments(request, message?.kind === 'error' ? 400 : 200, message, lang);
    return html(reply, page.status, page.body);
  });

  cockpit.post('/cockpit/experiments/:id/:action', { schema: { hide: true } }, async (request, reply) => {
    const lang = langOf(request.body);
    const t = manageText[lang];
    const { id, action } = request.params as { id: string; action: string };
    let message: Message;
    try {
      if (action === 'stop') {
        await stopExperiment(db, id, staffActor(request));
        message = { kind: 'ok', text: t.stopped };
      } else if (action === 'promote') {
        const promoted = await promoteExperiment(db, policyVersions, id, staffActor(request));
        message = { kind: 'ok', text: t.promoted(promoted.strategyVersion) };
      } else {
        throw new NotFoundError(`no action ${action}`);
      }
    } catch (error) {
      message = refusal(error);
    }
    const page = await showExperiments(request, message?.kind === 'error' ? 409 : 200, message, lang);
    return html(reply, page.status, page.body);
  });

  /** What the policy form edits: the draft made on the version in force, else that version's document. */
  const working = async () => {
    const current = await policyVersions.current();
    const draft = await findPolicyDraft(db);
    const isDraft = draft?.based_on === current.version;
    const document = isDraft ? policyDocumentSchema.parse(draft.document) : current.document;
    return { current, document, isDraft, strategies: withDocument(current.policies, document).strategies };
  };

  const showPolicies = async (
    request: FastifyRequest,
    status: number,
    message: Message,
    extra: { preview?: Awaited<ReturnType<typeof previewDraft>>; lang?: 'de' | 'en' } = {},
  ) => {
    const { current, document, isDraft, strategies } = await working();
    const history = (await listPolicyVersions(db)).map((v) => ({
      version: v.version,
      createdBy: v.created_by,
      createdAt: v.created_at,
      reason: v.reason,
      changes: v.changes,
    }));
    const lang = extra.lang ?? langOf(request.query);
    const body = policiesPage(
      sessionOf(request),
      lang,
      {
        version: current.version,
        document,
        strategies,
        isDraft,
        history,
        preview: extra.preview,
      },
      message,
    );
    return { status, body };
  };

  cockpit.get('/cockpit/policies', { schema: { hide: true } }, async (request, reply) => {
    const page = await showPolicies(request, 200, undefined);
    return html(reply, page.status, page.body);
  });

  // The whole form over the draft (or the version in force), validated by the policy document's
  // schema and saved as the draft; a move button reorders a rule and shows the form again, the
  // Preview button previews.
  cockpit.post('/cockpit/policies/preview', { schema: { hide: true } }, async (request, reply) => {
    const lang = langOf(request.body);
    const form = request.body as PolicyForm;
    try {
      const base = await working();
      const raw = documentFromForm(form, base.document, base.strategies);
      const move = typeof form.move === 'string' ? form.move : undefined;
      const segmentation = raw.segmentation as { ruleOrder: string[] };
      if (move) segmentation.ruleOrder = movedRuleOrder(segmentation.ruleOrder, move);
      await saveDraft(db, policyVersions, policyDocumentSchema.parse(raw), staffActor(request));
      if (move) {
        const page = await showPolicies(
          request,
          200,
          { kind: 'ok', text: manageText[lang].orderChanged },
          { lang },
        );
        return html(reply, page.status, page.body);
      }
      const preview = await previewDraft(db, policyVersions);
      const page = await showPolicies(request, 200, undefined, { preview, lang });
      return html(reply, page.status, page.body);
    } catch (error) {
      const page = await showPolicies(request, 400, refusal(error), { lang });
      return html(reply, page.status, page.body);
    }
  });

  cockpit.post('/cockpit/policies/publish', { schema: { hide: true } }, async (request, reply) => {
    const lang = langOf(request.body);
    let message: Message;
    try {
      const { reason } = z.object({ reason: z.string().trim().min(1).max(500) }).parse(request.body);
      const { version } = await publishDraft(db, policyVersions, staffActor(request), reason);
      message = { kind: 'ok', text: manageText[lang].published(version) };
    } catch (error) {
      message = refusal(error);
    }
    const page = await showPolicies(request, message?.kind === 'error' ? 400 : 200, message, { lang });
    return html(reply, page.status, page.body);
  });
}
