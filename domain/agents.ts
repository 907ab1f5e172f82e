import { z } from 'zod';
import { trimmedText } from './text.js';

/**
 * Agents: people who work agent tasks. A task names the skills it needs; an agent may work it only
 * with every one of them. Pure, shared by the inbox, the API and the CLI.
 */
/** A manager steers strategies in the cockpit; supervisors and admins may too, agents may not. */
export const AGENT_ROLES = ['agent', 'manager', 'supervisor', 'admin'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

/** The skills the product derives for tasks; supervisors may give agents any others too. */
export const KNOWN_SKILLS = [
  'lang:de',
  'lang:en',
  'hardship',
  'b2b',
  'high-value',
  'legal',
  'disputes',
] as const;

export const skillSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9-]{0,30}(:[a-z0-9-]{1,30})?$/, 'a skill is a word like hardship or lang:de');

export const agentEmailSchema = z.email().max(254).toLowerCase();
export const agentNameSchema = trimmedText(1, 200);
export const agentPasswordSchema = z.string().min(12, 'must be at least 12 characters').max(200);

/** Skills as typed into a form: separated by commas or spaces, deduplicated, sorted. */
export const skillListSchema = z
  .union([z.array(z.string()), z.string()])
  .transform((value) => (Array.isArray(value) ? value : value.split(/[\s,]+/)).filter((s) => s.trim()))
  .pipe(z.array(skillSchema).max(30))
  .transform((skills) => [...new Set(skills)].sort());

export const isSupervisor = (role: AgentRole): boolean => role === 'supervisor' || role === 'admin';
export const mayUseCockpit = (role: AgentRole): boolean => role === 'manager' || isSupervisor(role);

/**
 * The skills an agent works by: their own, and `supervisor` for supervisors and admins (the
 * supervisors' decision tasks require it).
 */
export const skillsOf = (agent: { skills: readonly string[]; role: AgentRole }): string[] =>
  isSupervisor(agent.role) ? [...agent.skills, 'supervisor'] : [...agent.skills];

/** True when the agent has every skill the task requires. */
export const hasSkills = (agentSkills: readonly string[], required: readonly string[]): boolean =>
  required.every((skill) => agentSkills.includes(skill));
