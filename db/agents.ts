import { randomUUID } from 'node:crypto';
import type { AgentRole } from '../domain/agents.js';
import type { Database } from './database.js';
import type { AgentRow } from './schema.js';

export interface Agent {
  id: string;
  email: string;
  name: string;
  role: AgentRole;
  skills: string[];
  active: boolean;
}

const agentColumns = ['id', 'email', 'name', 'role', 'skills', 'active'] as const;

export interface AgentInput {
  email: string;
  name: string;
  role: AgentRole;
  skills: string[];
  active?: boolean;
  /** Omit to keep the current password of an existing agent. */
  passwordHash?: string;
}

export class AgentInputError extends Error {}

/** The id of the agent with this e-mail, active or not. */
export async function agentIdByEmail(db: Database, email: string): Promise<string | undefined> {
  const row = await db.selectFrom('agents').select('id').where('email', '=', email).executeTakeFirst();
  return row?.id;
}

/** Creates the agent, or updates the one with this e-mail; a new agent needs a password. */
export async function upsertAgent(
  db: Database,
  input: AgentInput,
): Promise<{ agent: Agent; created: boolean }> {
  const existing = await agentIdByEmail(db, input.email);
  if (existing) {
    const agent = await db
      .updateTable('agents')
      .set({
        name: input.name,
        role: input.role,
        skills: JSON.stringify(input.skills),
        active: input.active ?? true,
        updated_at: new Date(),
        ...(input.passwordHash ? { password_hash: input.passwordHash } : {}),
      })
      .where('id', '=', existing)
      .returning(agentColumns)
      .executeTakeFirstOrThrow();
    return { agent, created: false };
  }
  if (!input.passwordHash) throw new AgentInputError('a new agent needs a password');
  const agent = await db
    .insertInto('agents')
    .values({
      id: `agent-${randomUUID()}`,
      email: input.email,
      name: input.name,
      role: input.role,
      skills: JSON.stringify(input.skills),
      active: input.active ?? true,
      password_hash: input.passwordHash,
    })
    .returning(agentColumns)
    .executeTakeFirstOrThrow();
  return { agent, created: true };
}

export async function updateAgent(
  db: Database,
  id: string,
  change: { role: AgentRole; skills: string[]; active: boolean },
): Promise<Agent | undefined> {
  return db
    .updateTable('agents')
    .set({
      role: change.role,
      skills: JSON.stringify(change.skills),
      active: change.active,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returning(agentColumns)
    .executeTakeFirst();
}

export async function findAgentForLogin(
  db: Database,
  email: string,
): Promise<(Agent & Pick<AgentRow, 'password_hash'>) | undefined> {
  return db
    .selectFrom('agents')
    .select([...agentColumns, 'password_hash'])
    .where('email', '=', email.toLowerCase())
    .where('active', '=', true)
    .executeTakeFirst();
}

export async function getAgent(db: Database, id: string): Promise<Agent | undefined> {
  return db.selectFrom('agents').select(agentColumns).where('id', '=', id).executeTakeFirst();
}

export async function listAgents(db: Database): Promise<Agent[]> {
  return db.selectFrom('agents').select(agentColumns).orderBy('name').orderBy('email').execute();
}

// --- sessions -----------------------------------------------------------------------------------

export async function createSession(db: Database, agentId: string, idHash: string, expiresAt: Date) {
  await db
    .insertInto('agent_sessions')
    .values({ id_hash: idHash, agent_id: agentId, expires_at: expiresAt })
    .execute();
}

/** The active agent of an unexpired session. */
export async function sessionAgent(db: Database, idHash: string, now: Date): Promise<Agent | undefined> {
  return db
    .selectFrom('agent_sessions')
    .innerJoin('agents', 'agents.id', 'agent_sessions.agent_id')
    .select(agentColumns.map((c) => `agents.${c}` as const))
    .where('agent_sessions.id_hash', '=', idHash)
    .where('agent_sessions.expires_at', '>', now)
    .where('agents.active', '=', true)
    .executeTakeFirst();
}

export async function deleteSession(db: Database, idHash: string): Promise<void> {
  await db.deleteFrom('agent_sessions').where('id_hash', '=', idHash).execute();
}

/** Expired sessions are dead already; this only keeps the table small. */
export async function deleteExpiredSessions(db: Database, now: Date): Promise<void> {
  await db.deleteFrom('agent_sessions').where('expires_at', '<=', now).execute();
}
