import { z } from 'zod';
import type { TriggerConfig } from '../lib/config/trigger.js';
import { boundedList, boundedText, LISTED_PROBLEMS } from '../lib/bounded.js';
import { COMPLETION_LIMITS, COMPLETION_VERSION, type CompletionInput, type Stage } from '../lib/contracts/completion.js';
import { MANIFEST_LIMITS, type Manifest } from '../lib/contracts/manifest.js';
import { normaliseSessionName, runClaimKey, runIdForGeneration, sessionFolder, sessionNameProblem, sessionOfReadyKey } from '../lib/contracts/session.js';
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
  | { action: 'started'; session: string; runId: string; execution: string; env: Record<string, string> }
  | { action: 'failed'; session: string; runId: string; reason: string };

/** Cloud Run takes at most this many bytes in one environment variable's value (EnvVar.value). */
export const MAX_ENV_VALUE_BYTES = 32_768;

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
  const folder = sessionOfReadyKey(name);
  if (folder === undefined) return ignored(log, `gs://${bucket}/${name} is not a sessions/<name>/_READY marker`, 'debug');
  if (folder === '.' || folder === '..') return ignored(log, `gs://${bucket}/${name}: "${folder}" cannot be a session folder`, 'error');

  // The folder keeps the bytes the uploader wrote (macOS writes "é" decomposed); the session is named in NFC.
  const session = normaliseSessionName(folder);
  const runId = runIdForGeneration(generation);
  const slog = log.child({ session, runId });
  const badName = sessionNameProblem(folder);
  if (badName) return refuse(deps, slog, session, runId, [`${badName}; rename the folder, then write _READY again`], config.defaultRecipients);

  const input = deps.openBucket(bucket).child(sessionFolder(folder));
  const marker = await input.stat('_READY');
  if (!marker) return ignored(slog, `${input.uriOf('_READY')} no longer exists`, 'warn');
  if (marker.generation !== undefined && marker.generation !== generation) {
    return ignored(slog, `${input.uriOf('_READY')} was replaced (generation ${marker.generation}, event for ${generation}); the newer event starts the run`, 'info');
  }
  let manifestText: Buffer;
  try {
    // One byte over the limit is enough for the parser to refuse it, naming the limit.
    manifestText = await input.read('_READY', { maxBytes: MANIFEST_LIMITS.bytes + 1 });
  } catch (err) {
    if (err instanceof NotFoundError) return ignored(slog, `${input.uriOf('_READY')} no longer exists`, 'warn');
    throw err;
  }

  const check = await checkSession({
    manifestText,
    manifestUri: input.uriOf('_READY'),
    objects: await input.list(),
    readBytes: (key, maxBytes) => input.read(key, { maxBytes }),
    policy: { allowed: config.allowedRecipients, defaults: config.defaultRecipients },
  });
  if (!check.ok) return refuse(deps, slog, session, runId, check.problems, check.recipients);
  for (const warning of check.plan.warnings) slog.warn(warning);

  const env = jobEnv(check.plan, { input, outputBucket: config.outputBucket, session, runId }, slog);
  const tooLong = overrideProblems(env);
  if (tooLong.length > 0) return refuse(deps, slog, session, runId, tooLong, check.plan.recipients.length > 0 ? check.plan.recipients : config.defaultRecipients);

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

  let execution: string;
  try {
    execution = await deps.launcher.run({ env, taskCount: taskCountFor(check.plan.manifest, config.maxParallelTasks) });
  } catch (err) {
    const permanent = permanentRunError(err, config.jobName);
    if (permanent) {
      // Retrying cannot help: say what to fix, keep the claim (with why) so a redelivery does nothing, and stop.
      await output
        .write(claimKey, JSON.stringify({ ...claim, failed: permanent }, null, 2), { contentType: 'application/json' })
        .catch((e) => slog.error(`Could not record the failure in ${output.uriOf(claimKey)}: ${errorMessage(e)}`));
      slog.error(`Not started, not retried: ${permanent}`);
      await publishFailure(deps, session, runId, 'config', permanent, check.plan.recipients.length > 0 ? check.plan.recipients : config.defaultRecipients);
      return { action: 'failed', session, runId, reason: permanent };
    }
    // Transient (or unknown): release the claim so that the redelivery Eventarc makes after this failure can start
    // the run. If the call did start an execution after all, the job's own claim keeps the second one idle.
    await output.delete(claimKey).catch((e) => slog.error(`Could not release ${output.uriOf(claimKey)}: ${errorMessage(e)}`));
    throw new Error(`Starting ${config.jobName} for session ${session} failed, will be retried: ${errorMessage(err)}`, { cause: err });
  }
  try {
    await output.write(claimKey, JSON.stringify({ ...claim, execution }, null, 2), { contentType: 'application/json' });
  } catch (err) {
    slog.warn(`Started ${execution} but could not record it in ${output.uriOf(claimKey)}: ${errorMessage(err)}`);
  }
  slog.info(`Started ${execution}`, { audio: check.plan.audio.length, recipients: check.plan.recipients.length });
  return { action: 'started', session, runId, execution, env };
}

/** gRPC status codes (google-gax reports them as `code` on both transports). */
const PERMANENT_CODES: Record<number, string> = { 3: 'INVALID_ARGUMENT', 5: 'NOT_FOUND', 7: 'PERMISSION_DENIED', 9: 'FAILED_PRECONDITION', 12: 'UNIMPLEMENTED', 16: 'UNAUTHENTICATED' };

/**
 * What to fix, when Cloud Run refused for a reason a retry cannot change; undefined for transient failures
 * (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, a network error), which are retried.
 */
export function permanentRunError(err: unknown, jobName: string): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'number' || !Object.hasOwn(PERMANENT_CODES, code)) return undefined;
  const detail = boundedText(errorMessage(err).replace(/^\d+ [A-Z_]+: /, ''), 500);
  switch (PERMANENT_CODES[code]) {
    case 'PERMISSION_DENIED':
    case 'UNAUTHENTICATED':
      return `Cloud Run refused to start ${jobName}: the trigger's service account (jdr-trigger) lacks roles/run.jobsExecutorWithOverrides on the job (${detail}). Run \`make deploy\` to restore the grants of terraform/iam.tf, then write _READY again.`;
    case 'NOT_FOUND':
      return `The Cloud Run job ${jobName} does not exist (${detail}). Deploy it with \`make deploy\`, or correct the trigger's JOB_NAME, then write _READY again.`;
    case 'INVALID_ARGUMENT':
      return `Cloud Run refused the settings this session starts ${jobName} with (${detail}). This is a fault of the deployment, not of the recordings: report it with this message.`;
    default:
      return `Cloud Run cannot start ${jobName} (${PERMANENT_CODES[code]}: ${detail}). Check the job in the Cloud Console (or \`make status\`), then write _READY again.`;
  }
}

/**
 * The overrides checked against Cloud Run's own limits before the call, so that a refusal names the field of
 * _READY to change instead of coming back as INVALID_ARGUMENT. The manifest's caps keep within them today; this is
 * the check that makes sure.
 */
export function overrideProblems(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([, value]) => Buffer.byteLength(value) > MAX_ENV_VALUE_BYTES)
    .map(([variable, value]) => {
      const bytes = Buffer.byteLength(value);
      if (variable === 'EMAIL_TO') return `recipients: the list is too long for Cloud Run (${bytes} bytes, at most ${MAX_ENV_VALUE_BYTES}); name fewer recipients in _READY, then write it again`;
      return `${variable}: ${bytes} bytes is more than Cloud Run takes in one setting (${MAX_ENV_VALUE_BYTES}); shorten what _READY asks for, then write it again`;
    });
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
  if (m.vad_threshold !== undefined) env.VAD_THRESHOLD = String(m.vad_threshold);
  if (m.vad_faint_db !== undefined) env.VAD_FAINT_DB = String(m.vad_faint_db);
  if (m.mode) env.MODE = m.mode;
  // The session's word on the recap wins over the deployment's: Gemini on Vertex AI (the cloud's backend), or none.
  if (m.recap !== undefined) env.RECAP = m.recap ? 'vertex' : 'off';
  const offsets = Object.fromEntries(m.files.filter((f) => f.offset !== undefined).map((f) => [f.name, f.offset]));
  if (Object.keys(offsets).length > 0) env.TRACK_OFFSETS = JSON.stringify(offsets);
  return env;
}

/** The tasks of an execution: what _READY asks for (`tasks:`), at most the deployment's maximum, which is the default. */
export function taskCountFor(manifest: Manifest, max: number): number {
  return Math.max(1, Math.min(manifest.tasks ?? max, max));
}

async function refuse(deps: TriggerDeps, log: Logger, session: string, runId: string, problems: string[], recipients: string[]): Promise<TriggerOutcome> {
  // Bounded: a manifest can hold thousands of problems; the group needs the first ones and a count.
  const listed = boundedList(problems, LISTED_PROBLEMS, (n) => `… and ${n} more problems of the same kind`);
  log.warn(`Session refused, no job started: ${boundedText(listed.join(' | '), 2000)}`);
  await publishFailure(deps, session, runId, 'trigger', listed.join('\n'), recipients);
  return { action: 'refused', session, runId, problems: listed };
}

/** Publishes a failure for the mailer, which adds what to do in the recipients' language. */
async function publishFailure(deps: TriggerDeps, session: string, runId: string, stage: Stage, message: string, recipients: string[]): Promise<void> {
  const failure: CompletionInput = {
    version: COMPLETION_VERSION,
    session,
    runId,
    status: 'failed',
    recipients: recipients.slice(0, COMPLETION_LIMITS.items),
    error: { stage, message: boundedText(message, COMPLETION_LIMITS.text) },
    finishedAt: (deps.now?.() ?? new Date()).toISOString(),
  };
  // Throwing on a publish failure makes Eventarc redeliver; the mailer's claim on the run id keeps it to one email.
  await deps.publish(failure);
}

function ignored(log: Logger, reason: string, level: 'debug' | 'info' | 'warn' | 'error' = 'info'): TriggerOutcome {
  log[level](`Ignored: ${reason}`);
  return { action: 'ignored', reason };
}
