import { randomBytes } from 'node:crypto';
import { normalizeBaseUrl, DemoLoadError } from './load.js';

/** Demo agents: one per language and a supervisor with every skill, so the inbox has people. */
export const DEMO_AGENTS = [
  { email: 'agent-de@mahnwerk.test', name: 'Anna Agentin', role: 'agent', skills: ['lang:de'] },
  { email: 'agent-en@mahnwerk.test', name: 'Ben Agent', role: 'agent', skills: ['lang:en'] },
  { email: 'manager@mahnwerk.test', name: 'Mia Managerin', role: 'manager', skills: ['lang:de', 'lang:en'] },
  {
    email: 'supervisor@mahnwerk.test',
    name: 'Sabine Supervisor',
    role: 'supervisor',
    skills: ['b2b', 'disputes', 'hardship', 'high-value', 'lang:de', 'lang:en', 'legal'],
  },
] as const;

export interface DemoAgentLogin {
  email: string;
  role: string;
  skills: readonly string[];
  password: string;
}

/**
 * Creates (or resets) the demo agents through POST /v1/agents with a fresh random password each,
 * returned so the demo can print them once.
 */
export async function createDemoAgents(options: {
  url: string;
  apiKey: string;
  fetch?: typeof fetch;
}): Promise<DemoAgentLogin[]> {
  const doFetch = options.fetch ?? fetch;
  const logins: DemoAgentLogin[] = [];
  for (const agent of DEMO_AGENTS) {
    const password = `demo-${randomBytes(9).toString('base64url')}`;
    const response = await doFetch(`${normalizeBaseUrl(options.url)}/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...agent, skills: [...agent.skills], password }),
    });
    if (!response.ok) {
      throw new DemoLoadError(
        `POST /v1/agents for ${agent.email}: ${response.status} ${await response.text()}`,
      );
    }
    logins.push({ email: agent.email, role: agent.role, skills: agent.skills, password });
  }
  return logins;
}

export function describeDemoAgents(inboxUrl: string, logins: DemoAgentLogin[]): string {
  return [
    '',
    `Agent inbox       ${inboxUrl}  (log in as one of these; passwords are new on every demo run)`,
    ...logins.map((l) => `  ${l.email.padEnd(26)} ${l.password}  ${l.role}, skills ${l.skills.join(' ')}`),
    '  Personal-segment debtors get an agent call as their first step, inside their contact window.',
    `Strategy cockpit  ${inboxUrl.replace(/\/inbox$/, '/cockpit')}  (manager@, supervisor@)`,
  ].join('\n');
}
