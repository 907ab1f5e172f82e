/**
 * `npm run bench -- --quick --json | tsx bench/check-result.ts`: checks the shape of the bench's
 * JSON only (CI proves the bench works; the figures of a shared CI machine prove nothing).
 */
import { text } from 'node:stream/consumers';
import { benchResultSchema } from './result.js';

const parsed = benchResultSchema.safeParse(JSON.parse(await text(process.stdin)));
if (!parsed.success) {
  process.stderr.write(`bench JSON has the wrong shape:\n${JSON.stringify(parsed.error.issues, null, 2)}\n`);
  process.exit(1);
}
process.stdout.write(`bench JSON ok: ${Object.keys(parsed.data).length} fields\n`);
