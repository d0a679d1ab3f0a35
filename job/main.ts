#!/usr/bin/env node
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Storage } from '@google-cloud/storage';
import { z } from 'zod';
import type { Env } from '../lib/config/common.js';
import { parseJobConfig, type JobConfig } from '../lib/config/job.js';
import { parseCloudJobConfig, type CloudJobConfig } from '../lib/config/cloud-job.js';
import { topicName } from '../lib/config/common.js';
import type { Stage } from '../lib/contracts/completion.js';
import { ConfigError, errorMessage } from '../lib/errors.js';
import { createLogger, type Logger } from '../lib/log.js';
import { completionPublisher, createPubSubClient, type CompletionPublisher } from '../lib/pubsub.js';
import { createStorageClient } from '../lib/storage/gcs-client.js';
import { openStore, type Store } from '../lib/storage/index.js';
import { sessionName } from '../lib/contracts/session.js';
import { claimExecution } from './claim.js';
import { failureMessage, successMessage, type RunIdentity } from './completion.js';
import type { ContextLocation } from './context.js';
import { createEngines, type Engines } from './engines/create.js';
import { ffmpegTools, type FfmpegTools } from './engines/ffmpeg.js';
import { logProgress } from './progress.js';
import { StageError } from './run.js';
import { runTask, type TaskIdentity } from './parallel/task.js';
import { WorkArea, WORK_KEYS } from './parallel/work.js';
import { withScratchFolder } from './cleanup.js';
import { defaultRunId, runSettings } from './settings.js';
import { StatusWriter } from './status.js';

/**
 * The Cloud Run job's entry: one session per execution, configured by the environment the trigger set, run by
 * CLOUD_RUN_TASK_COUNT tasks at once (job/parallel/task.ts: one plans, all transcribe, the last to finish a chunk
 * finishes the run). Exit codes
 * drive Cloud Run: 0 when done (including a session that cannot be transcribed: retrying would not help), 1 for a
 * transient failure (Cloud Run retries the task; only the last attempt publishes the failure), 2 for a broken
 * deployment. Clients and engines are built here unless a test passes its own.
 */
export interface MainDeps {
  log?: Logger;
  storage?: Storage;
  publisher?: CompletionPublisher;
  engines?: (config: JobConfig, env: Env, log: Logger) => Promise<Engines>;
  tools?: FfmpegTools;
  signal?: AbortSignal;
  statusIntervalMs?: number;
  /** How long a task waits for the plan; default 6 h. */
  waitMs?: number;
}

export async function main(env: Env = process.env, deps: MainDeps = {}): Promise<number> {
  const baseLog = deps.log ?? createLogger({ json: true, labels: { component: 'job' } });
  const parsed = parseAll(env);
  if ('problems' in parsed) {
    const error = new ConfigError(parsed.problems, 'Missing or invalid configuration');
    baseLog.error(error.message);
    await reportConfigFailure(env, error, deps, baseLog);
    return 2;
  }
  const { config, cloud, session } = parsed;
  const runId = config.runId ?? cloud.execution ?? defaultRunId();
  const log = baseLog.child({ session, runId, attempt: String(cloud.attempt) });
  const run: RunIdentity = { session, runId, recipients: config.emailTo };
  const ownPublisher = deps.publisher === undefined;
  let publisher: CompletionPublisher | undefined = deps.publisher;
  let status: StatusWriter | undefined;
  try {
    publisher ??= completionPublisher(createPubSubClient(cloud.completionTopic, env), cloud.completionTopic);
    const gcs = deps.storage ?? createStorageClient(env);
    const input = openLocation('INPUT_PREFIX', config.input, gcs);
    const output = openLocation('OUTPUT_BUCKET', `${config.output!.replace(/\/+$/, '')}/${runId}/`, gcs);
    // One execution per run: a second one (the trigger retried a call that had in fact started the job) finds the
    // claim and leaves, before it touches anything; a retried task of the owning execution goes on.
    const claim = await claimExecution(output, cloud.execution, { attempt: cloud.attempt });
    if (!claim.owned) {
      log.warn(`Run ${runId} belongs to execution ${claim.owner}; this execution (${cloud.execution ?? 'unnamed'}) does nothing`);
      return 0;
    }
    const task: TaskIdentity = { index: cloud.taskIndex, count: cloud.taskCount, attempt: cloud.attempt, lastAttempt: cloud.isLastAttempt };
    status = new StatusWriter(output, { session, runId, attempt: cloud.attempt, execution: cloud.execution, task }, { log, minIntervalMs: deps.statusIntervalMs });
    const work = WorkArea.of(output);

    const previous = await StatusWriter.previous(output);
    if (previous?.state === 'succeeded' && previous.completion) {
      // Only the task that finished the run sends its message again (its publishing may have failed); the others leave.
      if ((await work.holder(WORK_KEYS.finishClaim))?.task !== task.index) {
        log.info('This run is already done; nothing to do');
        return 0;
      }
      log.info('An earlier attempt finished this run; publishing its completion message again');
      await publisher.publish(previous.completion);
      return 0;
    }
    const engines = await (deps.engines ?? createEngines)(config, env, log);
    const workDir = await mkdtemp(join(tmpdir(), 'jdr-job-'));
    const progress = status.tee(logProgress(log));
    const { onStatus, onPhase } = status;
    let done;
    try {
      done = await withScratchFolder(workDir, () => runTask({ ...runSettings(config, session, runId), tasks: task.count }, {
        input,
        output,
        context: contextLocation(config.contextUri, input, gcs),
        asr: engines.asr,
        vad: engines.vad,
        embedder: engines.embedder,
        recap: engines.recap,
        tools: deps.tools ?? ffmpegTools(env),
        log,
        progress,
        workDir,
        signal: deps.signal,
        onStatus,
      }, work, { task, jobs: config.jobs, onPhase, waitMs: deps.waitMs }));
    } finally {
      progress.stop();
    }
    if (done.role !== 'finished') {
      await status.taskDone();
      return 0;
    }
    const { outcome } = done;
    const completion = successMessage(run, outcome, output.uri, { tasks: task.count });
    // Recorded before publishing: if publishing fails, the retry republishes instead of transcribing again.
    await status.finish('succeeded', { completion, timings: outcome.timings });
    await publisher.publish(completion);
    // The chunks' audio served its purpose; the small JSON checkpoints stay until the lifecycle rule removes the run.
    await work.clear('audio/').catch((err) => log.warn(`Could not remove the chunk audio: ${errorMessage(err)}`));
    log.info(`Done: ${outcome.outputs.uris.length} files in ${output.uri}`, { wallSeconds: Math.round(outcome.wallSeconds), tasks: task.count });
    return 0;
  } catch (err) {
    return await handleFailure(err, { run, cloud, status, publisher, log });
  } finally {
    if (ownPublisher) await publisher?.close().catch(() => undefined);
  }
}

async function handleFailure(
  err: unknown,
  ctx: { run: RunIdentity; cloud: CloudJobConfig; status: StatusWriter | undefined; publisher: CompletionPublisher | undefined; log: Logger },
): Promise<number> {
  const { run, cloud, status, publisher, log } = ctx;
  const cause = err instanceof StageError ? err.cause : err;
  const stage: Stage = cause instanceof ConfigError ? 'config' : err instanceof StageError ? err.stage : status?.current.completion ? 'publish' : 'fetch';
  const message = errorMessage(cause);
  const permanent = (err instanceof StageError && err.isInputError) || cause instanceof ConfigError;
  const last = permanent || cloud.isLastAttempt;
  log.error(`${stage}: ${message}`, { stage, permanent, lastAttempt: last });
  if (stage === 'publish') return 1; // the outputs exist; only the message is missing, and the retry sends it
  await status?.finish(last ? 'failed' : 'retrying', { error: { stage, message } });
  if (last && publisher) {
    await publisher.publish(failureMessage(run, stage, message)).catch((e) => log.error(`Could not publish the failure: ${errorMessage(e)}`));
  }
  if (err instanceof StageError && err.isInputError) return 0;
  return cause instanceof ConfigError ? 2 : 1;
}

type Parsed = { config: JobConfig; cloud: CloudJobConfig; session: string } | { problems: string[] };

/** Both parsers and the session name, with every problem collected into one message. */
function parseAll(env: Env): Parsed {
  const problems: string[] = [];
  const attempt = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
      return undefined;
    }
  };
  const config = attempt(() => parseJobConfig(env, { requireOutputBucket: true }));
  const cloud = attempt(() => parseCloudJobConfig(env));
  const session = config ? attempt(() => sessionName(config.input)) : undefined;
  if (problems.length > 0 || !config || !cloud || !session) return { problems };
  return { config, cloud, session };
}

/** A deployment problem still deserves an email when enough is known to send one (topic, session, run id). */
async function reportConfigFailure(env: Env, error: ConfigError, deps: MainDeps, log: Logger): Promise<void> {
  const topic = topicName.safeParse(env.COMPLETION_TOPIC ?? '');
  const runId = env.RUN_ID || env.CLOUD_RUN_EXECUTION;
  let session: string | undefined;
  try {
    session = env.INPUT_PREFIX ? sessionName(env.INPUT_PREFIX) : undefined;
  } catch {
    session = undefined;
  }
  if (!topic.success || !runId || !session || !/^[A-Za-z0-9._-]{1,100}$/.test(runId)) return;
  const recipients = (env.EMAIL_TO ?? '').split(/[,;\s]+/).filter((a) => z.email().safeParse(a).success);
  const publisher = deps.publisher ?? completionPublisher(createPubSubClient(topic.data, env), topic.data);
  try {
    await publisher.publish(failureMessage({ session, runId, recipients }, 'config', error.message));
  } catch (err) {
    log.error(`Could not publish the configuration failure: ${errorMessage(err)}`);
  } finally {
    if (!deps.publisher) await publisher.close().catch(() => undefined);
  }
}

/** A location that cannot be opened (bad bucket name, unsupported scheme) is a deployment problem, not a hiccup. */
function openLocation(variable: string, uri: string, gcs: Storage): Store {
  try {
    return openStore(uri, { gcs });
  } catch (err) {
    throw new ConfigError([`${variable}: ${errorMessage(err)}`], 'Invalid configuration');
  }
}

/** CONTEXT_GCS_URI names the file (voice samples are relative to its folder); else the session's context/context.yaml. */
function contextLocation(uri: string | undefined, input: Store, gcs: Storage): ContextLocation {
  if (!uri) return { store: input, key: 'context/context.yaml', explicit: false };
  const cut = uri.lastIndexOf('/');
  return { store: openLocation('CONTEXT_GCS_URI', uri.slice(0, cut + 1), gcs), key: uri.slice(cut + 1), explicit: true };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const controller = new AbortController();
  // Cloud Run sends SIGTERM before killing a task (timeout, cancellation): stop child processes cleanly. A second
  // signal exits at once; job/cleanup.ts's exit hook still kills the children and removes the scratch folders.
  let signals = 0;
  const onSignal = () => (++signals > 1 ? process.exit(143) : controller.abort());
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  main(process.env, { signal: controller.signal }).then((code) => process.exit(code));
}
