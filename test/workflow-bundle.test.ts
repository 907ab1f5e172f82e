import { describe, expect, it } from 'vitest';
import { sharedBundle } from './setup/harness.js';

describe('the workflow bundle', () => {
  it('preloads date-holidays as the module the workflows import, so every case shares one copy', async () => {
    const bundle = await sharedBundle();
    const code = 'code' in bundle ? bundle.code : '';
    const preload = /exports\.preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(code)?.[1] ?? '';
    const preloaded = [...preload.matchAll(/"(\.\/node_modules\/[^"]+)"\)/g)].map((m) => m[1]);
    expect(preloaded).toEqual(['./node_modules/date-holidays/src/index.js']);
    // The workflow code requires that very module id (besides the preload itself); a CommonJS twin
    // would be evaluated per workflow again, and the bundle would carry the holiday data twice.
    expect(code.split('"./node_modules/date-holidays/src/index.js")').length - 1).toBeGreaterThan(1);
    expect(code).not.toContain('"./node_modules/date-holidays/lib/');
  });
});
