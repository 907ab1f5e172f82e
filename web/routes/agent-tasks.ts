import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CASE_STATUSES } from '../../domain/case.js';
import { agentIdByEmail, getAgent, upsertAgent, type Agent } from '../../db/agents.js';
import { inboxFor, type AgentTask } from '../../db/agent-tasks.js';
import {
  AGENT_ROLES,
  agentEmailSchema,
  agentNameSchema,
  agentPasswordSchema,
  skillSchema,
} from '../../domain/agents.js';
import { agentNoteSchema, agentOutcomeSchema } from '../../domain/agent-tasks.js';
import { AgentTaskService, TaskActionError } from '../agent-tasks/service.js';
import { hashPassword } from '../passwords.js';
import { errorResponse, phoneSchema } from '../schemas.js';
import type { ServerDeps } from '../server.js';

const agentIdSchema = z
  .string()
  .min(1)
  .max(100)
  .describe('The agent the call acts for; the same rules as in the inbox apply');
const taskParams = z.object({ id: z.coerce.number().int().positive() });
const actingAgent = z.object({ agentId: agentIdSchema }).strict();

const task = z.object({
  id: z.number().int(),
  debtorId: z.string(),
  kind: z.string(),
  label: z.string(),
  question: z.string(),
  priority: z.number().int(),
  requiredSkills: z.array(z.string()),
  status: z.enum(['open', 'claimed', 'done', 'withdrawn']),
  dueAt: z.string(),
  claimedBy: z.string().nullable(),
  claimedByName: z.string().nullable(),
  closeReason: z.string().nullable(),
  outcome: z.record(z.string(), z.unknown()).nullable(),
});

const toJson = (t: AgentTask): z.infer<typeof task> => ({
  id: Number(t.id),
  debtorId: t.debtorId,
  kind: t.kind,
  label: t.label,
  question: t.question,
  priority: t.priority,
  requiredSkills: t.requiredSkills,
  status: t.status,
  dueAt: t.dueAt.toISOString(),
  claimedBy: t.claimedBy,
  claimedByName: t.claimedByName,
  closeReason: t.closeReason,
  outcome: t.outcome,
});

const outcomeBody = z
  .object({
    agentId: agentIdSchema,
    outcome: agentOutcomeSchema,
    note: agentNoteSchema.optional(),
    contactData: z
      .object({
        email: z.email().max(254).optional(),
        phone: phoneSchema.optional(),
        callConsent: z.boolean().optional(),
        smsConsent: z.boolean().optional(),
      })
      .strict()
      .optional()
      .describe('Required for outcome data-found; stored, never sent into the workflow'),
  })
  .strict();

const agentBody = z
  .object({
    email: agentEmailSchema,
    name: agentNameSchema,
    role: z.enum(AGENT_ROLES).default('agent'),
    skills: z.array(skillSchema).max(30).default([]),
    active: z.boolean().default(true),
    password: agentPasswordSchema.optional().describe('Required for a new agent; omit to keep the password'),
  })
  .strict();

const agentResponse = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(AGENT_ROLES),
  skills: z.array(z.string()),
  active: z.boolean(),
});

const refusals = {
  400: errorResponse,
  401: errorResponse,
  403: errorResponse,
  404: errorResponse,
  409: errorResponse,
  422: errorResponse,
};

/**
 * /v1/agent-tasks: the inbox for teams that embed it in their own CRM or dialer. The API key
 * authenticates the system; `agentId` names the agent it acts for, with the inbox's rules.
 */
export const agentTaskRoutes: FastifyPluginAsyncZod<ServerDeps> = async (app, { db, cases }) => {
  const service = new AgentTaskService(db, cases);

  async function agentOr404(agentId: string, reply: FastifyReply): Promise<Agent | undefined> {
    const agent = await getAgent(db, agentId);
    if (agent?.active) return agent;
    void reply.status(404).send({ error: 'not_found', message: `agent ${agentId} is unknown or inactive` });
    return undefined;
  }

  /** Runs the action for the agent; a refusal answers with its status and reason. */
  async function asAgent<T>(agentId: string, reply: FastifyReply, action: (agent: Agent) => Promise<T>) {
    const agent = await agentOr404(agentId, reply);
    if (!agent) return reply;
    try {
      return await action(agent);
    } catch (error) {
      if (!(error instanceof TaskActionError)) throw error;
      const code = { 403: 'forbidden', 404: 'not_found', 409: 'conflict', 422: 'rejected' }[error.status];
      return reply.status(error.status).send({ error: code, message: error.message });
    }
  }

  app.get(
    '/v1/agent-tasks',
    {
      schema: {
        summary: "An agent's inbox: claimed tasks, the queue for their skills, recently withdrawn tasks",
        tags: ['agent tasks'],
        querystring: actingAgent,
        response: {
          200: z.object({ mine: z.array(task), queue: z.array(task), withdrawn: z.array(task) }),
          ...refusals,
        },
      },
    },
    async (request, reply) =>
      asAgent(request.query.agentId, reply, async (agent) => {
        const inbox = await inboxFor(db, agent, new Date());
        return {
          mine: inbox.mine.map(toJson),
          queue: inbox.queue.map(toJson),
          withdrawn: inbox.withdrawn.map(toJson),
        };
      }),
  );

  app.get(
    '/v1/agent-tasks/:id',
    {
      schema: {
        summary:
          'One task, if the agent may see it (404 outside their skills, 403 when another agent has it)',
        tags: ['agent tasks'],
        params: taskParams,
        querystring: actingAgent,
        response: { 200: task, ...refusals },
      },
    },
    async (request, reply) =>
      asAgent(request.query.agentId, reply, async (agent) =>
        toJson(await service.visibleTask(agent, request.params.id)),
      ),
  );

  app.post(
    '/v1/agent-tasks/:id/claim',
    {
      schema: {
        summary: 'Claim a task: of concurrent claims exactly one wins; the others get 409 naming who has it',
        tags: ['agent tasks'],
        params: taskParams,
        body: actingAgent,
        response: { 200: task, ...refusals },
      },
    },
    async (request, reply) =>
      asAgent(request.body.agentId, reply, async (agent) =>
        toJson(await service.claim(agent, request.params.id)),
      ),
  );

  app.post(
    '/v1/agent-tasks/:id/release',
    {
      schema: {
        summary: 'Give a claimed task back to the queue',
        tags: ['agent tasks'],
        params: taskParams,
        body: actingAgent,
        response: { 200: task, ...refusals },
      },
    },
    async (request, reply) =>
      asAgent(request.body.agentId, reply, async (agent) => {
        await service.release(agent, request.params.id);
        return toJson(await service.visibleTask(agent, request.params.id));
      }),
  );

  app.post(
    '/v1/agent-tasks/:id/outcome',
    {
      schema: {
        summary: 'Report the outcome of a claimed task: the case workflow validates it and answers at once',
        tags: ['agent tasks'],
        params: taskParams,
        body: outcomeBody,
        response: { 200: z.object({ status: z.enum(CASE_STATUSES), message: z.string() }), ...refusals },
      },
    },
    async (request, reply) =>
      asAgent(request.body.agentId, reply, async (agent) =>
        service.recordOutcome(agent, request.params.id, request.body),
      ),
  );

  app.post(
    '/v1/agents',
    {
      schema: {
        summary: 'Create an agent, or update the one with this e-mail (role, skills, active, password)',
        tags: ['agent tasks'],
        body: agentBody,
        response: { 200: agentResponse, 201: agentResponse, ...refusals },
      },
    },
    async (request, reply) => {
      const { password, ...rest } = request.body;
      const existing = await agentIdByEmail(db, rest.email);
      // Without a password the call can only update: an unknown e-mail names no agent to update.
      if (!existing && !password) {
        return reply.status(404).send({
          error: 'not_found',
          message: `no agent has the e-mail ${rest.email}: send a password to create one`,
          issues: [{ field: 'password', message: 'required for a new agent' }],
        });
      }
      const { agent, created } = await upsertAgent(db, {
        ...rest,
        skills: [...new Set(rest.skills)].sort(),
        ...(password ? { passwordHash: await hashPassword(password) } : {}),
      });
      return reply.status(created ? 201 : 200).send(agent);
    },
  );
};
