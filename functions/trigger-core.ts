import { z } from 'zod';
import type { TriggerConfig } from '../lib/config/trigger.js';
import { COMPLETION_VERSION, type CompletionInput } from '../lib/contracts/completion.js';
import type { Manifest } from '../lib/contracts/manifest.js';
import { runClaimKey, runIdForGeneration, sessionFolder, sessionNameProblem, sessionOfReadyKey } from '../lib/contracts/session.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { NotFoundError, PreconditionFailedError, type Store } from '../lib/storage/index.js';
import { checkSession, type SessionPlan } from './session-check.js';

/**
 * `onSessionReady`'s logic: a finalized `sessions/<S>/_READY` becomes one job execution, or one failure message
 * saying what to fix. Delivery is at-least-once, so the run is claimed in the output bucket with a create-only write
 * keyed by the marker's generation before the job is started; a redelivered event finds the claim and stops.
 */
export const STORAGE_FINALIZED = 'google.cloud.storage.object.v1.finalized';

export interface JobLauncher {
  /** Starts an execution without waiting for it; resolves with the execution's full name. */
  run(request: { env: Record<string, string>; taskCount?: number }): Promise<string>;
}

export interface TriggerDeps {
  config: TriggerConfig;
  /** A store rooted at a bucket's top. */
  openBucket(bucket: string): Store;
  publish(message: CompletionInput): Promise<string>;
  launcher: JobLauncher;
  log: Logger;
  now?: () => Date;
}

export type TriggerOutcome =
  | { action: 'ignored'; reason: string }
  | { action: 'refused'; session: string; runId: string; problems: string[] }
  | { action: 'duplicate'; session: string; runId: string }
  | { action: 'started'; session: string; runId: string; execution: string; env: Record<string, string> };

/** Eventarc's StorageObjectData: generation and size arrive as decimal strings (int64 in JSON). */
const StorageObjectDataSchema = z.object({
  bucket: z.string().min(1),
  name: z.string().min(1),
  generation: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String),
  size: z.union([z.string().regex(/^\d+$/), z.number()]).optional(),
});

export async function handleSessionReady(event: { type?: string; data?: unknown }, deps: TriggerDeps): Promise<TriggerOutcome> {
  const { config, log } = deps;
  if (event.type !== undefined && event.type !== STORAGE_FINALIZED) return ignored(log, `event type ${event.type} is not ${STORAGE_FINALIZED}`);
  const data = StorageObjectDataSchema.safeParse(event.data);
  // A malformed event stays malformed: acknowledging it (with an error line) beats a retry loop.
  if (!data.success) return ignored(log, `not a storage object event: ${data.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'error');
  const { bucket, name, generation } = data.data;
  if (config.inputBucket && bucket !== config.inputBucket) return ignored(log, `gs://${bucket}/${name} is not in the input bucket ${config.inputBucket}`, 'warn');
  const session = sessionOfReadyKey(name);
  if (session === undefined) return ignored(log, `gs://${bucket}/${name} is not a sessions/<name>/_READY marker`, 'debug');
  if (session === '.' || session === '..') return ignored(log, `gs://${bucket}/${name}: "${session}" cannot be a session folder`, 'error');

  const runId = runIdForGeneration(generation);
  const slog = log.child({ session, runId });
  const badName = sessionNameProblem(session);
  if (badName) return refuse(deps, slog, session, runId, [`${badName}; rename the folder, then write _READY again`], config.defaultRecipients);

  const input = deps.openBucket(bucket).child(sessionFolder(session));
  const marker = await input.stat('_READY');
  if (!marker) return ignored(slog, `${input.uriOf('_READY')} no longer exists`, 'warn');
  if (marker.generation !== undefined && marker.generation !== generation) {
    return ignored(slog, `${input.uriOf('_READY')} was replaced (generation ${marker.generation}, event for ${generation}); the newer event starts the run`, 'info');
  }
  let manifestText: string;
  try {
    manifestText = (await input.read('_READY')).toString('utf8');
  } catch (err) {
    if (err instanceof NotFoundError) return ignored(slog, `${input.uriOf('_READY')} no longer exists`, 'warn');
    throw err;
  }

  const check = await checkSession({
    manifestText,
    manifestUri: input.uriOf('_READY'),
    objects: await input.list(),
    readText: async (key) => (await input.read(key)).toString('utf8'),
    policy: { allowed: config.allowedRecipients, defaults: config.defaultRecipients },
  });
  if (!check.ok) return refuse(deps, slog, session, runId, check.problems, check.recipients);
  for (const warning of check.plan.warnings) slog.warn(warning);

  const output = deps.openBucket(config.outputBucket);
  const claimKey = runClaimKey(session, generation);
  const claim = { session, runId, generation, ready: input.uriOf('_READY'), claimedAt: (deps.now?.() ?? new Date()).toISOString() };
  try {
    await output.write(claimKey, JSON.stringify(claim, null, 2), { ifAbsent: true, contentType: 'application/json' });
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err;
    slog.info(`Run already claimed at ${output.uriOf(claimKey)}: duplicate event, nothing to do`);
    return { action: 'duplicate', session, runId };
  }

  const env = jobEnv(check.plan, { input, outputBucket: config.outputBucket, session, runId }, slog);
  let execution: string;
  try {
    execution = await deps.launcher.run({ env, ...(config.taskCount ? { taskCount: config.taskCount } : {}) });
  } catch (err) {
    // Release the claim so that the redelivery Eventarc makes after this failure can start the run.
    await output.delete(claimKey).catch((e) => slog.error(`Could not release ${output.uriOf(claimKey)}: ${errorMessage(e)}`));
    throw new Error(`Starting ${config.jobName} for session ${session} failed: ${errorMessage(err)}`, { cause: err });
  }
  try {
    await output.write(claimKey, JSON.stringify({ ...claim, execution }, null, 2), { contentType: 'application/json' });
  } catch (err) {
    slog.warn(`Started ${execution} but could not record it in ${output.uriOf(claimKey)}: ${errorMessage(err)}`);
  }
  slog.info(`Started ${execution}`, { audio: check.plan.audio, recipients: check.plan.recipients.length });
  return { action: 'started', session, runId, execution, env };
}

/** The per-session environment the job execution runs with (names from lib/config/job.ts). */
export function jobEnv(plan: SessionPlan, where: { input: Store; outputBucket: string; session: string; runId: string }, log: Logger): Record<string, string> {
  const m: Manifest = plan.manifest;
  const env: Record<string, string> = {
    INPUT_PREFIX: where.input.uri,
    OUTPUT_BUCKET: where.outputBucket,
    OUTPUT_PREFIX: sessionFolder(where.session),
    RUN_ID: where.runId,
  };
  if (plan.recipients.length > 0) env.EMAIL_TO = plan.recipients.join(',');
  if (plan.contextKey) env.CONTEXT_GCS_URI = where.input.uriOf(plan.contextKey);
  if (m.languages) {
    const [primary, secondary, ...rest] = m.languages;
    env.PRIMARY_LANG = primary!;
    env.MULTILANG = secondary ? 'true' : 'false';
    if (secondary) env.SECONDARY_LANG = secondary;
    if (rest.length > 0) log.warn(`languages: the job detects among two languages; ${rest.join(', ')} ignored`);
  }
  if (m.model) env.WHISPER_MODEL_SIZE = m.model;
  if (m.min_speakers !== undefined) env.MIN_SPEAKERS = String(m.min_speakers);
  if (m.max_speakers !== undefined) env.MAX_SPEAKERS = String(m.max_speakers);
  return env;
}

async function refuse(deps: TriggerDeps, log: Logger, session: string, runId: string, problems: string[], recipients: string[]): Promise<TriggerOutcome> {
  log.warn(`Session refused, no job started: ${problems.join(' | ')}`);
  const message: CompletionInput = {
    version: COMPLETION_VERSION,
    session,
    runId,
    status: 'failed',
    recipients,
    // The mailer adds what to do, in the recipients' language.
    error: { stage: 'trigger', message: problems.join('\n') },
    finishedAt: (deps.now?.() ?? new Date()).toISOString(),
  };
  // Throwing on a publish failure makes Eventarc redeliver; the mailer's claim on the run id keeps it to one email.
  await deps.publish(message);
  return { action: 'refused', session, runId, problems };
}

function ignored(log: Logger, reason: string, level: 'debug' | 'info' | 'warn' | 'error' = 'info'): TriggerOutcome {
  log[level](`Ignored: ${reason}`);
  return { action: 'ignored', reason };
}
