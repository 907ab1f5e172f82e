import { WorkflowUpdateFailedError } from '@temporalio/client';

/** Why the workflow's validator rejected the update; fails the test if it was accepted. */
export async function rejectionOf(update: Promise<unknown>): Promise<string> {
  const error = await update.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WorkflowUpdateFailedError))
    throw new Error(`expected a rejected update, got ${String(error)}`);
  return error.cause?.message ?? '';
}
