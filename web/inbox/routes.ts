import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Policies } from '../../activities/index.js';
import type { CaseClient } from '../../client/cases.js';
import {
  deleteExpiredSessions,
  findAgentForLogin,
  getAgent,
  listAgents,
  updateAgent,
  upsertAgent,
} from '../../db/agents.js';
import { inboxFor, reassignTask, supervisorOverview } from '../../db/agent-tasks.js';
import { latestHandoff } from '../../db/handoffs.js';
import { pendingWriteOffApprovals } from '../../db/write-offs.js';
import { audit, auditActor } from '../../db/audit.js';
import type { Database } from '../../db/database.js';
import {
  AGENT_ROLES,
  agentEmailSchema,
  agentNameSchema,
  agentPasswordSchema,
  isSupervisor,
  skillListSchema,
} from '../../domain/agents.js';
import { debtorIdSchema } from '../../domain/case.js';
import type { SegmentId } from '../../domain/segmentation/types.js';
import { claimLinesCsv } from '../../domain/handoff.js';
import { TaskActionError, AgentTaskService } from '../agent-tasks/service.js';
import { acceptForms } from '../forms.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../passwords.js';
import { cockpitPages } from '../cockpit/routes.js';
import type { PolicyVersions } from '../../config/policy-versions.js';
import { auditPageRoute } from './audit-page.js';
import { loadCaseFile } from './case-file.js';
import { LoginThrottle } from './login-throttle.js';
import { parseOutcomeForm } from './outcome-form.js';
import {
  currentSession,
  endSession,
  LOGIN_COOKIE,
  randomToken,
  readCookie,
  sameToken,
  setCookie,
  startSession,
  type AgentSession,
} from './session.js';
import {
  agentsPage,
  inboxPage,
  loginPage,
  supervisorPage,
  taskPage,
  writeOffsPage,
  type Notice,
} from './views.js';

export interface InboxDeps {
  db: Database;
  cases: CaseClient;
  policies: Policies;
  /** The cockpit's experiment and policy pages publish through it. */
  policyVersions: PolicyVersions;
}

declare module 'fastify' {
  interface FastifyRequest {
    agentSession?: AgentSession;
  }
}

const taskParams = z.object({ id: z.coerce.number().int().positive() });
const writeOffDecision = z.object({ decision: z.enum(['write-off', 'keep']) });
const loginForm = z.object({ email: z.string().trim(), password: z.string(), next: z.string().optional() });
const agentForm = z.object({
  role: z.enum(AGENT_ROLES),
  skills: skillListSchema.default([]),
  active: z.literal('on').optional(),
});
const newAgentForm = agentForm.extend({
  name: agentNameSchema,
  email: agentEmailSchema,
  password: agentPasswordSchema,
});

/** Only paths inside the inbox are followed after login. */
const safeNext = (next: string | undefined): string =>
  next && /^\/(inbox|cockpit)(\/[\w/-]*)?(\?[\w=&%.-]*)?$/.test(next) ? next : '/inbox';

const html = (reply: FastifyReply, status: number, body: string) =>
  reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

/**
 * The agent inbox under /inbox: login, the queue, the case view with outcome forms, and the
 * supervisor pages. Every page needs a session; every POST needs the session's CSRF token.
 */
export const inboxRoutes: FastifyPluginAsync<InboxDeps> = async (
  app,
  { db, cases, policies, policyVersions },
) => {
  const service = new AgentTaskService(db, cases);
  const throttle = new LoginThrottle(db);
  acceptForms(app);

  app.get('/inbox/login', { schema: { hide: true } }, async (request, reply) => {
    const next = safeNext((request.query as { next?: string }).next);
    const token = randomToken();
    setCookie(request, reply, LOGIN_COOKIE, token, 3600);
    return html(reply, 200, loginPage(token, next));
  });

  app.post('/inbox/login', { schema: { hide: true } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const cookieToken = readCookie(request, LOGIN_COOKIE);
    const retry = (status: number, text: string) => {
      const token = randomToken();
      setCookie(request, reply, LOGIN_COOKIE, token, 3600);
      return html(
        reply,
        status,
        loginPage(token, safeNext(String(body.next ?? '')), { kind: 'error', text }),
      );
    };
    if (!cookieToken || !sameToken(body._csrf, cookieToken)) {
      return retry(403, 'The form expired. Please log in again.');
    }
    const form = loginForm.safeParse(body);
    if (!form.success) return retry(400, 'Enter your e-mail and password.');
    const email = form.data.email.toLowerCase();
    const attempt = { account: email, ip: request.ip };
    const throttled = await throttle.check(attempt);
    if (throttled) {
      await audit(db, {
        actor: auditActor.login(email),
        action: 'staff.login-failed',
        detail: { reason: 'throttled', by: throttled.by, ip: request.ip },
      });
      const from = throttled.by === 'account' ? 'for this address' : 'from your network address';
      return retry(429, `Too many failed logins ${from}. Try again in ${throttled.minutes} minutes.`);
    }
    const agent = await findAgentForLogin(db, email);
    // The same work for unknown agents: the answer time tells nothing.
    const ok = await verifyPassword(form.data.password, agent?.password_hash ?? (await dummyPasswordHash()));
    if (!agent || !ok) {
      await throttle.failed(attempt);
      await audit(db, {
        actor: auditActor.login(email),
        action: 'staff.login-failed',
        detail: { reason: agent ? 'wrong-password' : 'unknown-email', ip: request.ip },
      });
      return retry(401, 'E-mail or password is wrong.');
    }
    await throttle.succeeded(attempt);
    const { password_hash: _hash, ...profile } = agent;
    await startSession(db, request, reply, profile);
    await deleteExpiredSessions(db, new Date());
    setCookie(request, reply, LOGIN_COOKIE, '', 0);
    await audit(db, {
      actor: auditActor.agent(agent.id),
      action: 'staff.login',
      detail: { role: agent.role, ip: request.ip },
    });
    request.log.info({ agentId: agent.id }, 'agent logged in');
    return reply.redirect(safeNext(form.data.next), 303);
  });

  // Everything below needs a session; every POST the CSRF token bound to it.
  await app.register(async (staff) => {
    staff.addHook('preHandler', async (request, reply) => {
      const session = await currentSession(db, request);
      if (!session) {
        const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
        return reply.redirect(`/inbox/login${next}`, 303);
      }
      if (
        request.method === 'POST' &&
        !sameToken((request.body as Record<string, unknown> | undefined)?._csrf, session.csrf)
      ) {
        return html(
          reply,
          403,
          inboxPage(session, await inboxFor(db, session.agent, new Date()), {
            kind: 'error',
            text: 'The form was not sent from this inbox (CSRF token missing or wrong). Nothing was changed.',
          }),
        );
      }
      request.agentSession = session;
    });
    await staffRoutes(staff, { db, cases, policies, service });
    await cockpitPages(staff, { db, policies, policyVersions, sessionOf });
    auditPageRoute(staff, db, sessionOf);
  });
};

const sessionOf = (request: FastifyRequest): AgentSession => {
  if (!request.agentSession) throw new Error('no agent session');
  return request.agentSession;
};

async function staffRoutes(
  app: FastifyInstance,
  { db, cases, policies, service }: Omit<InboxDeps, 'policyVersions'> & { service: AgentTaskService },
): Promise<void> {
  const showInbox = async (reply: FastifyReply, session: AgentSession, status = 200, message?: Notice) =>
    html(reply, status, inboxPage(session, await inboxFor(db, session.agent, new Date()), message));

  const showTask = async (
    reply: FastifyReply,
    session: AgentSession,
    id: number,
    status = 200,
    message?: Notice,
  ) => {
    try {
      const task = await service.visibleTask(session.agent, id);
      const file = await loadCaseFile(db, cases, policies, task.debtorId);
      await audit(db, {
        actor: auditActor.agent(session.agent.id),
        action: 'contact.viewed',
        debtorId: task.debtorId,
        route: `/inbox/tasks/${id}`,
      });
      return html(reply, status, taskPage(session, task, file, message));
    } catch (error) {
      if (!(error instanceof TaskActionError)) throw error;
      return showInbox(reply, session, error.status, { kind: 'error', text: error.message });
    }
  };

  /** Runs a task action; a refusal shows the task (or the inbox) again with the reason. */
  const act = async (
    request: FastifyRequest,
    reply: FastifyReply,
    action: (session: AgentSession, id: number) => Promise<string>,
  ) => {
    const session = sessionOf(request);
    const params = taskParams.safeParse(request.params);
    if (!params.success) return showInbox(reply, session, 404, { kind: 'error', text: 'no such task' });
    try {
      return reply.redirect(await action(session, params.data.id), 303);
    } catch (error) {
      if (!(error instanceof TaskActionError)) throw error;
      if (error.status === 404) return showInbox(reply, session, 404, { kind: 'error', text: error.message });
      return showTask(reply, session, params.data.id, error.status, { kind: 'error', text: error.message });
    }
  };

  app.get('/inbox', { schema: { hide: true } }, async (request, reply) =>
    showInbox(reply, sessionOf(request)),
  );

  app.post('/inbox/logout', { schema: { hide: true } }, async (request, reply) => {
    await endSession(db, request, reply);
    return reply.redirect('/inbox/login', 303);
  });

  app.get('/inbox/tasks/:id', { schema: { hide: true } }, async (request, reply) => {
    const params = taskParams.safeParse(request.params);
    if (!params.success)
      return showInbox(reply, sessionOf(request), 404, { kind: 'error', text: 'no such task' });
    return showTask(reply, sessionOf(request), params.data.id);
  });

  app.post('/inbox/tasks/:id/claim', { schema: { hide: true } }, async (request, reply) =>
    act(request, reply, async (session, id) => {
      await service.claim(session.agent, id);
      return `/inbox/tasks/${id}`;
    }),
  );

  app.post('/inbox/tasks/:id/release', { schema: { hide: true } }, async (request, reply) =>
    act(request, reply, async (session, id) => {
      await service.release(session.agent, id);
      return '/inbox';
    }),
  );

  app.post('/inbox/tasks/:id/outcome', { schema: { hide: true } }, async (request, reply) =>
    act(request, reply, async (session, id) => {
      const task = await service.visibleTask(session.agent, id);
      const file = await loadCaseFile(db, cases, policies, task.debtorId);
      const form = parseOutcomeForm(request.body, {
        timezone: file.facts.timezone,
        currency: file.facts.currency,
      });
      if (!form.ok) throw new TaskActionError(422, form.message);
      await service.recordOutcome(session.agent, id, form);
      return `/inbox/tasks/${id}`;
    }),
  );

  // --- supervisors ---------------------------------------------------------------------------------
  await app.register(async (supervisor) => {
    supervisor.addHook('preHandler', async (request, reply) => {
      const session = sessionOf(request);
      if (!isSupervisor(session.agent.role)) {
        return showInbox(reply, session, 403, { kind: 'error', text: 'Only supervisors may do this.' });
      }
    });

    const showSupervisor = async (
      reply: FastifyReply,
      session: AgentSession,
      status = 200,
      message?: Notice,
    ) =>
      html(
        reply,
        status,
        supervisorPage(session, await supervisorOverview(db, new Date()), await listAgents(db), message),
      );
    const showAgents = async (reply: FastifyReply, session: AgentSession, status = 200, message?: Notice) =>
      html(reply, status, agentsPage(session, await listAgents(db), message));

    supervisor.get('/inbox/supervisor', { schema: { hide: true } }, async (request, reply) =>
      showSupervisor(reply, sessionOf(request)),
    );

    supervisor.post('/inbox/tasks/:id/reassign', { schema: { hide: true } }, async (request, reply) => {
      const session = sessionOf(request);
      const params = taskParams.safeParse(request.params);
      const agentId = (request.body as { agentId?: unknown }).agentId;
      const to = typeof agentId === 'string' ? await getAgent(db, agentId) : undefined;
      if (!params.success || !to?.active)
        return showSupervisor(reply, session, 404, { kind: 'error', text: 'no such task or agent' });
      if (!(await reassignTask(db, params.data.id, to))) {
        return showSupervisor(reply, session, 409, {
          kind: 'error',
          text: `${to.name} lacks a skill the task needs, or the task is closed`,
        });
      }
      return reply.redirect('/inbox/supervisor', 303);
    });

    const purposeOf = (segment: string | null) => policies.strategies[segment as SegmentId]?.purpose ?? '';
    const showWriteOffs = async (
      reply: FastifyReply,
      session: AgentSession,
      status = 200,
      message?: Notice,
    ) => html(reply, status, writeOffsPage(session, await pendingWriteOffApprovals(db), purposeOf, message));
    supervisor.get('/inbox/write-offs', { schema: { hide: true } }, async (request, reply) =>
      showWriteOffs(reply, sessionOf(request)),
    );
    // Approve or decline from the list: the supervisor takes the task (if nobody has) and decides.
    supervisor.post('/inbox/write-offs/:id', { schema: { hide: true } }, async (request, reply) => {
      const session = sessionOf(request);
      const params = taskParams.safeParse(request.params);
      const decision = writeOffDecision.safeParse(request.body);
      if (!params.success || !decision.success) {
        return showWriteOffs(reply, session, 422, { kind: 'error', text: 'choose write-off or keep' });
      }
      try {
        const task = await service.visibleTask(session.agent, params.data.id);
        if (task.kind !== 'write-off-approval') throw new TaskActionError(404, 'no such write-off approval');
        if (task.status === 'open') await service.claim(session.agent, task.id);
        await service.recordOutcome(session.agent, task.id, {
          outcome: { kind: 'decision', decision: decision.data.decision },
        });
        const done = decision.data.decision === 'write-off' ? 'written off' : 'kept in outreach';
        return showWriteOffs(reply, session, 200, { kind: 'ok', text: `${task.debtorId}: ${done}.` });
      } catch (error) {
        if (!(error instanceof TaskActionError)) throw error;
        return showWriteOffs(reply, session, error.status, { kind: 'error', text: error.message });
      }
    });

    // The latest hand-over package of a case, as the agency got it (JSON), or its claim lines (CSV).
    for (const format of ['json', 'csv'] as const) {
      supervisor.get(
        `/inbox/cases/:debtorId/handoff.${format}`,
        { schema: { hide: true } },
        async (request, reply) => {
          const session = sessionOf(request);
          const debtorId = debtorIdSchema.safeParse((request.params as { debtorId?: unknown }).debtorId);
          const handoff = debtorId.success ? await latestHandoff(db, debtorId.data) : undefined;
          if (!handoff)
            return showInbox(reply, session, 404, { kind: 'error', text: 'this case was not handed over' });
          await audit(db, {
            actor: auditActor.agent(session.agent.id),
            action: 'handoff.downloaded',
            debtorId: handoff.debtor_id,
            route: request.routeOptions.url,
            detail: { handoffKey: handoff.handoff_key, format },
          });
          const name = `handoff-${handoff.debtor_id}.${format}`;
          return reply
            .header('content-disposition', `attachment; filename="${name}"`)
            .header('cache-control', 'no-store')
            .type(format === 'json' ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8')
            .send(
              format === 'json'
                ? JSON.stringify(handoff.package, null, 2)
                : claimLinesCsv(handoff.package.claim),
            );
        },
      );
    }

    supervisor.get('/inbox/agents', { schema: { hide: true } }, async (request, reply) =>
      showAgents(reply, sessionOf(request)),
    );

    const mayGrant = (session: AgentSession, role: string) =>
      role !== 'admin' || session.agent.role === 'admin';

    supervisor.post('/inbox/agents', { schema: { hide: true } }, async (request, reply) => {
      const session = sessionOf(request);
      const form = newAgentForm.safeParse(request.body);
      if (!form.success) {
        const issue = form.error.issues[0];
        return showAgents(reply, session, 400, {
          kind: 'error',
          text: `${issue?.path.join('.')}: ${issue?.message}`,
        });
      }
      if (!mayGrant(session, form.data.role))
        return showAgents(reply, session, 403, { kind: 'error', text: 'Only an admin makes admins.' });
      const { agent, created } = await upsertAgent(db, {
        ...form.data,
        active: true,
        passwordHash: await hashPassword(form.data.password),
      });
      return showAgents(reply, session, created ? 201 : 200, {
        kind: 'ok',
        text: `${agent.name} ${created ? 'created' : 'updated (the e-mail existed)'}.`,
      });
    });

    supervisor.post('/inbox/agents/:agentId', { schema: { hide: true } }, async (request, reply) => {
      const session = sessionOf(request);
      const { agentId } = request.params as { agentId: string };
      const form = agentForm.safeParse(request.body);
      const target = await getAgent(db, agentId);
      if (!target) return showAgents(reply, session, 404, { kind: 'error', text: 'no such agent' });
      if (!form.success) {
        const issue = form.error.issues[0];
        return showAgents(reply, session, 400, {
          kind: 'error',
          text: `${issue?.path.join('.')}: ${issue?.message}`,
        });
      }
      if (!mayGrant(session, form.data.role) || (target.role === 'admin' && session.agent.role !== 'admin')) {
        return showAgents(reply, session, 403, { kind: 'error', text: 'Only an admin changes admins.' });
      }
      const updated = await updateAgent(db, agentId, { ...form.data, active: form.data.active === 'on' });
      return showAgents(reply, session, 200, { kind: 'ok', text: `${updated?.name ?? agentId} saved.` });
    });
  });
}
