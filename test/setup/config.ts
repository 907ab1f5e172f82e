import { ConfigError, loadConfig } from '../../config/env.js';

/** What loadConfig says is wrong with `env`, one line a problem; none when it loads. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}
