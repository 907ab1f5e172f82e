import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { upsertAgent } from '../db/agents.js';
import type { Database } from '../db/database.js';
import { agentEmailSchema, agentNameSchema, agentPasswordSchema, KNOWN_SKILLS } from '../domain/agents.js';
import { hashPassword } from '../web/passwords.js';

const adminInput = z.object({
  email: agentEmailSchema,
  name: agentNameSchema,
  password: agentPasswordSchema,
});

export class AgentCommandError extends Error {}

/** Reads a password from the terminal without echoing it. */
async function promptPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new AgentCommandError('No terminal to ask for the password: set MAHNWERK_ADMIN_PASSWORD instead.');
  }
  process.stdout.write(prompt);
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  try {
    return await rl.question('');
  } finally {
    rl.close();
    process.stdout.write('\n');
  }
}

/**
 * `agent create-admin --email … --name …`: the first admin (or a password reset for an existing
 * one), with every known skill. The password comes from MAHNWERK_ADMIN_PASSWORD or a prompt.
 */
export async function createAdmin(
  db: Database,
  options: { email: string | undefined; name: string | undefined; password: string | undefined },
): Promise<string> {
  const password =
    options.password ?? (await promptPassword('Password for the admin (at least 12 characters): '));
  const parsed = adminInput.safeParse({ ...options, password });
  if (!parsed.success) {
    throw new AgentCommandError(
      parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'),
    );
  }
  const { agent, created } = await upsertAgent(db, {
    email: parsed.data.email,
    name: parsed.data.name,
    role: 'admin',
    skills: [...KNOWN_SKILLS],
    passwordHash: await hashPassword(parsed.data.password),
  });
  return `Admin ${agent.email} ${created ? 'created' : 'updated (new password, role admin)'}; log in at /inbox.`;
}
