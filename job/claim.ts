import { z } from 'zod';
import { PreconditionFailedError, type Store } from '../lib/storage/index.js';

/**
 * Which execution owns a run. The trigger starts one execution per `_READY`, but a call to Cloud Run that times out
 * may have started one anyway, and the retry starts another: both would write the same folder. The first to arrive
 * claims the run with a create-only write naming itself; any other execution finds the claim and stops before it
 * touches anything, while a retried task of the owner (same execution, next attempt) goes on.
 */
export const EXECUTION_CLAIM_KEY = 'execution.json';

const ClaimSchema = z.object({ execution: z.string(), claimedAt: z.string(), attempt: z.number().optional() });

export type ExecutionClaim = { owned: true; execution: string } | { owned: false; owner: string };

export async function claimExecution(store: Store, execution: string | undefined, options: { attempt?: number; now?: Date } = {}): Promise<ExecutionClaim> {
  // Cloud Run always names the execution. Runs started by hand without a name cannot be told apart, so they share.
  const me = execution ?? 'unnamed';
  const claim = { execution: me, claimedAt: (options.now ?? new Date()).toISOString(), attempt: options.attempt ?? 0 };
  try {
    await store.write(EXECUTION_CLAIM_KEY, JSON.stringify(claim, null, 2), { ifAbsent: true, contentType: 'application/json' });
    return { owned: true, execution: me };
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err;
  }
  const text = (await store.read(EXECUTION_CLAIM_KEY, { maxBytes: 64 * 1024 })).toString('utf8');
  let existing: z.infer<typeof ClaimSchema> | undefined;
  try {
    existing = ClaimSchema.parse(JSON.parse(text));
  } catch {
    existing = undefined;
  }
  // An unreadable claim is still a claim: someone else got there first.
  const owner = existing?.execution ?? 'unknown (unreadable claim)';
  return owner === me ? { owned: true, execution: me } : { owned: false, owner };
}
