import { SEGMENTS, type SegmentId } from '../domain/segmentation/types.js';
import type { DemoDebtor } from './generate.js';

/**
 * Loads demo debtors into a running Mahnwerk through its public API, as a billing system would:
 * PUT the profile, then PUT the invoices oldest first. Every call is idempotent, so a repeated run
 * with the same seed changes nothing (due dates move with the day the data is generated for).
 */

export interface LoadOptions {
  /** Base URL of the API, without `/v1`, e.g. http://127.0.0.1:3000 */
  url: string;
  apiKey: string;
  debtors: readonly DemoDebtor[];
  /** Debtors loaded at the same time (default 4). */
  concurrency?: number;
  /** Attempts per call when the API answers 503 or the connection drops (default 6). */
  attempts?: number;
  /** First backoff in ms, doubled per attempt (default 250, at most 5 s). */
  backoffMs?: number;
  /** One line of progress, without newline (default: stdout). */
  log?: (line: string) => void;
  /** One line about a debtor that failed, without newline (default: stderr). */
  warn?: (line: string) => void;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

export interface DebtorFailure {
  debtorId: string;
  message: string;
}

export interface LoadResult {
  loaded: DemoDebtor[];
  failed: DebtorFailure[];
  invoices: number;
  /** Loaded debtors per expected segment, every segment listed. */
  bySegment: Record<SegmentId, string[]>;
}

/** A problem that stops the whole load (unreachable API, rejected key); the message says what to do. */
export class DemoLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoLoadError';
  }
}

/** A call that failed for one debtor (validation, conflict, or 503 after all attempts). */
class CallError extends Error {}

const RETRYABLE = new Set([429, 502, 503, 504]);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function causeCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string') {
    return cause.code;
  }
  return undefined;
}

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') return body.message;
  } catch {
    // not JSON: use the text as it is
  }
  return text.slice(0, 300) || response.statusText;
}

export function normalizeBaseUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v1$/, '');
}

export async function loadDemoDebtors(options: LoadOptions): Promise<LoadResult> {
  const baseUrl = normalizeBaseUrl(options.url);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const attempts = Math.max(1, options.attempts ?? 6);
  const backoffMs = options.backoffMs ?? 250;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const doFetch = options.fetch ?? fetch;
  const headers = { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' };

  const unreachable = (error: unknown) =>
    new DemoLoadError(
      `Cannot reach Mahnwerk at ${baseUrl} (${causeCode(error) ?? (error instanceof Error ? error.message : String(error))}). ` +
        'Start it with `npm start` in another terminal, or pass --url <base URL of the API>.',
    );
  const rejectedKey = () =>
    new DemoLoadError(
      `The API at ${baseUrl} rejected the API key (401). Use the "Dev API key" that \`npm start\` printed ` +
        '(--key <key>, or MAHNWERK_DEV_API_KEY), or create one with `npm run mahnwerk -- api-key create --name demo --scopes billing,read,agent-api,admin`.',
    );

  async function call(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await doFetch(`${baseUrl}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        if (causeCode(error) === 'ECONNREFUSED' || attempt >= attempts) throw unreachable(error);
        await sleep(Math.min(5_000, backoffMs * 2 ** (attempt - 1)));
        continue;
      }
      if (response.status === 401) throw rejectedKey();
      if (RETRYABLE.has(response.status) && attempt < attempts) {
        await response.body?.cancel();
        const retryAfter = Number(response.headers.get('retry-after'));
        const wait =
          Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : backoffMs * 2 ** (attempt - 1);
        await sleep(Math.min(5_000, wait));
        continue;
      }
      if (!response.ok) {
        throw new CallError(`${method} ${path}: ${response.status} ${await errorMessage(response)}`);
      }
      await response.body?.cancel();
      return response;
    }
  }

  // One call up front: an unreachable API or a wrong key stops here with one clear message.
  try {
    await doFetch(`${baseUrl}/v1/cases/${encodeURIComponent(options.debtors[0]?.debtorId ?? 'demo-001')}`, {
      headers,
    }).then(async (response) => {
      await response.body?.cancel();
      if (response.status === 401) throw rejectedKey();
    });
  } catch (error) {
    if (error instanceof DemoLoadError) throw error;
    throw unreachable(error);
  }

  const total = options.debtors.length;
  const loaded: DemoDebtor[] = [];
  const failed: DebtorFailure[] = [];
  let invoices = 0;
  let done = 0;
  let next = 0;
  let fatal: DemoLoadError | undefined;

  async function loadOne(debtor: DemoDebtor): Promise<void> {
    const id = encodeURIComponent(debtor.debtorId);
    await call('PUT', `/v1/debtors/${id}`, debtor.profile);
    for (const invoice of debtor.invoices) {
      await call('PUT', `/v1/debtors/${id}/invoices/${encodeURIComponent(invoice.invoiceId)}`, invoice.body);
      invoices++;
    }
  }

  async function worker(): Promise<void> {
    while (!fatal && next < total) {
      const debtor = options.debtors[next++];
      if (!debtor) break;
      try {
        await loadOne(debtor);
        loaded.push(debtor);
      } catch (error) {
        if (error instanceof DemoLoadError) {
          fatal ??= error;
          return;
        }
        const message = error instanceof Error ? error.message : String(error);
        failed.push({ debtorId: debtor.debtorId, message });
        warn(`${debtor.debtorId} failed: ${message}`);
      }
      done++;
      if (done % 10 === 0 || done === total) log(`loaded ${loaded.length}/${total}`);
    }
  }

  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, () => worker()));
  if (fatal) throw fatal;

  const bySegment = Object.fromEntries(SEGMENTS.map((segment) => [segment, [] as string[]])) as Record<
    SegmentId,
    string[]
  >;
  for (const debtor of [...loaded].sort((a, b) => a.debtorId.localeCompare(b.debtorId))) {
    bySegment[debtor.expectedSegment].push(debtor.debtorId);
  }
  return { loaded, failed, invoices, bySegment };
}

export interface SummaryContext {
  apiUrl: string;
  /** Temporal Web UI, e.g. http://localhost:8233 */
  webUiUrl: string;
  namespace: string;
  seed: number;
}

/** The closing text: what was loaded, per segment, and where to look next. */
export function summarize(result: LoadResult, context: SummaryContext): string {
  const apiUrl = normalizeBaseUrl(context.apiUrl);
  const ui = context.webUiUrl.replace(/\/+$/, '');
  const uiQuery = (query: string) =>
    `${ui}/namespaces/${encodeURIComponent(context.namespace)}/workflows?query=${encodeURIComponent(query)}`;
  const width = Math.max(...SEGMENTS.map((s) => s.length));
  const lines = [
    '',
    `Loaded ${result.loaded.length} demo debtors with ${result.invoices} overdue invoices into ${apiUrl} (seed ${context.seed}).`,
    '',
    'Expected segments (default thresholds):',
  ];
  for (const segment of SEGMENTS) {
    const ids = result.bySegment[segment];
    const shown = ids.slice(0, 4).join(', ') + (ids.length > 4 ? ', …' : '');
    lines.push(`  ${segment.padEnd(width)} ${String(ids.length).padStart(3)}  ${shown}`);
  }
  const example = result.bySegment.personal[0] ?? result.loaded[0]?.debtorId ?? 'demo-001';
  lines.push(
    '',
    'Where to look:',
    `  Temporal Web UI   ${ui}  (one workflow per debtor, id case-<debtorId>)`,
    `    all demo cases  ${uiQuery('WorkflowId STARTS_WITH "case-demo-"')}`,
    `    one segment     ${uiQuery('DunningSegment="personal"')}`,
    `    other filters   DunningStatus="active", AmountDue > 100000, OverdueSince < "${new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10)}T00:00:00Z"`,
    `  A case via API    curl -H "Authorization: Bearer $KEY" ${apiUrl}/v1/cases/${example}`,
    `  Sent e-mails      ${apiUrl}/dev/outbox (first reminders wait for each debtor's local contact window)`,
  );
  return lines.join('\n');
}
