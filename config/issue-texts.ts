import type { z } from 'zod';

/** "segmentation.smallBalanceMax: expected number, received string"; one line per unknown key. */
export function issueTexts(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    const at = (...extra: string[]) => [...issue.path.map(String), ...extra].join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${at(key)}: unknown key`);
    let message = issue.message.replace(/^Invalid input: /, '');
    const missing = /^expected (.+), received undefined$/.exec(message);
    if (missing) message = `missing (expected ${missing[1]})`;
    return [at() ? `${at()}: ${message}` : message];
  });
}
