import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PRODUCT_PROCESS_ENV } from './setup/worker-process.js';

/**
 * The allocator setting is an environment variable of the process (glibc reads it once, at start):
 * every way the product starts sets it, and the bench and scale-out tests start it the same way.
 */
describe('the product process environment', () => {
  const settings = Object.entries(PRODUCT_PROCESS_ENV).map(([name, value]) => `${name}=${value}`);

  it('npm start and npm run mahnwerk set it', () => {
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const script of [scripts.start, scripts.mahnwerk]) {
      for (const setting of settings) expect(script).toContain(`${setting} `);
    }
  });

  it('the image sets it', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    for (const setting of settings) expect(dockerfile).toMatch(new RegExp(`^\\s+${setting} \\\\$`, 'm'));
  });
});
