import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { EphemeralServerExecutable } from '@temporalio/testing';
import type { Logger } from 'pino';
import { searchAttributeDefinitions } from '../domain/search-attributes.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NO_GO_EXIT_CODE = 3;

/**
 * The Temporal CLI as the SDK should run it: TEMPORAL_CLI_PATH, PATH, the project's .tools, or a
 * build with Go (scripts/temporal-cli.sh). Without Go, the SDK's own download (needs internet).
 */
export async function temporalExecutable(
  cliPath: string | undefined,
  logger: Logger,
): Promise<EphemeralServerExecutable> {
  if (cliPath) {
    try {
      accessSync(cliPath, constants.X_OK);
    } catch {
      throw new Error(`TEMPORAL_CLI_PATH: ${cliPath} is not an executable file`);
    }
    return { type: 'existing-path', path: cliPath };
  }
  const script = path.join(projectRoot, 'scripts', 'temporal-cli.sh');
  try {
    const child = promisify(execFile)('bash', [script], { maxBuffer: 1 << 20 });
    child.child.stderr?.pipe(process.stderr);
    const { stdout } = await child;
    return { type: 'existing-path', path: stdout.trim() };
  } catch (error) {
    if ((error as { code?: number }).code === NO_GO_EXIT_CODE) {
      logger.warn(
        'Go is not installed: falling back to the Temporal SDK download of the CLI (needs internet)',
      );
      return { type: 'cached-download' };
    }
    throw new Error(`Could not provide the Temporal CLI (${script}): ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** On an existing cluster the custom search attributes may be missing: add those that are. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.keys(searchAttributeDefinitions).filter((name) => !customAttributes?.[name]);
  if (missing.length) await addSearchAttributes(connection, namespace, missing);
  return missing;
}

export async function addSearchAttributes(
  connection: Connection,
  namespace: string,
  names = Object.keys(searchAttributeDefinitions),
): Promise<void> {
  const { IndexedValueType } = proto.temporal.api.enums.v1;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      names.map((name) => [
        name,
        {
          Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
          Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
          Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        }[searchAttributeDefinitions[name] ?? 'Keyword'],
      ]),
    ),
  });
}
