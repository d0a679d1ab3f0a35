#!/usr/bin/env node
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Env } from '../lib/config/common.js';
import type { JobConfig } from '../lib/config/job.js';
import { AbortedError, ConfigError, errorMessage } from '../lib/errors.js';
import { createLogger, type Logger } from '../lib/log.js';
import { openStore, isGcsUri, type StoreClients } from '../lib/storage/index.js';
import { createStorageClient } from '../lib/storage/gcs-client.js';
import type { ContextLocation } from '../job/context.js';
import { createEngines, type Engines } from '../job/engines/create.js';
import { ffmpegTools } from '../job/engines/ffmpeg.js';
import { logProgress, type Progress } from '../job/progress.js';
import { runSession, StageError } from '../job/run.js';
import { defaultRunId, runSettings } from '../job/settings.js';
import { clock } from '../job/transcript.js';
import { parseCli, type CliRun, type CliUpload } from './options.js';
import { barProgress } from './progress-bar.js';
import { uploadSession } from './upload.js';

/**
 * `jdr-transcriber run <folder | gs://…>`: the whole pipeline on one session, from a terminal. Builds the clients
 * and engines, wires Ctrl-C to an abort, and turns failures into one readable message and an exit code. A second
 * Ctrl-C quits at once; job/cleanup.ts then kills whisper-cli and ffmpeg and removes the scratch folder.
 */
export interface CliDeps {
  /** Builds the engines (tests pass doubles); default: whisper.cpp, Silero, the configured embedder. */
  engines?: (config: JobConfig, env: Env, log: Logger) => Promise<Engines>;
  /** Where logs go; default stderr. */
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  stdout?: NodeJS.WritableStream;
  /** Listen for SIGINT/SIGTERM (the real command does; in-process tests do not). */
  handleSignals?: boolean;
}

export async function main(argv = process.argv.slice(2), env: Env = process.env, deps: CliDeps = {}): Promise<number> {
  const stderr = deps.stderr ?? process.stderr;
  const stdout = deps.stdout ?? process.stdout;
  let parsed;
  try {
    parsed = parseCli(argv, env);
  } catch (err) {
    stderr.write(`${errorMessage(err)}\n`);
    return 2;
  }
  if (parsed.command === 'help') {
    stdout.write(parsed.text + '\n');
    return 0;
  }
  if (parsed.command === 'version') {
    stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const tty = Boolean(stderr.isTTY) && !parsed.json;
  const { log, progress } = consoleOutput(stderr, tty, parsed.quiet, parsed.session);
  if (parsed.command === 'upload') return upload(parsed, env, log, progress);
  return run(parsed, env, log, progress, deps);
}

/** On a terminal, log lines go through the bar so they land whole on their own lines; elsewhere JSON lines. */
export function consoleOutput(stderr: NodeJS.WritableStream, tty: boolean, quiet: boolean, session: string): { log: Logger; progress: Progress } {
  const minSeverity = quiet ? 'WARNING' : 'INFO';
  if (!tty || quiet) {
    const log = createLogger({ json: !tty, minSeverity, labels: { session }, write: (line) => stderr.write(`${line}\n`) });
    return { log, progress: tty ? { stage: () => undefined, update: () => undefined, stop: () => undefined } : logProgress(log) };
  }
  const bar = barProgress(stderr);
  return { log: createLogger({ json: false, minSeverity, labels: { session }, write: (line) => bar.log(line) }), progress: bar };
}

async function run(parsed: CliRun, env: Env, log: Logger, progress: Progress, deps: CliDeps): Promise<number> {
  const { config, session } = parsed;
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++interrupts > 1) process.exit(130);
    log.warn(`${signal}: stopping (press Ctrl-C again to quit at once)`);
    controller.abort();
  };
  if (deps.handleSignals ?? true) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  try {
    const engines = await (deps.engines ?? createEngines)(config, env, log);
    const clients: StoreClients = [config.input, config.output ?? '', config.contextUri ?? ''].some(isGcsUri) ? { gcs: createStorageClient(env) } : {};
    const input = openStore(config.input, clients);
    const output = openStore(config.output!, clients);
    const outcome = await runSession({ ...runSettings(config, session, config.runId ?? defaultRunId()), tasks: config.jobs }, {
      input,
      output,
      context: contextLocation(config.contextUri, input, clients, parsed.explicitContext),
      ...engines,
      tools: ffmpegTools(env),
      log,
      progress,
      workDir: await mkdtemp(join(tmpdir(), 'jdr-')),
      signal: controller.signal,
      jobs: config.jobs,
      checkpoints: config.resume ? 'resume' : 'fresh',
    });
    const t = outcome.transcript;
    log.info(
      `Done: ${clock(t.duration)} of audio in ${clock(outcome.wallSeconds)} (${(t.duration / Math.max(outcome.wallSeconds, 0.001)).toFixed(1)}× real time), ${t.segments.length} segments`,
    );
    for (const file of outcome.outputs.uris) log.info(`  ${file}`);
    return 0;
  } catch (err) {
    const cause = err instanceof StageError ? err.cause : err;
    if (cause instanceof AbortedError) {
      log.warn(`Stopped before the end; no transcript was written. What was transcribed is kept: run the same command with --resume to continue.`);
      return 130;
    }
    if (cause instanceof ConfigError) {
      log.error(cause.message);
      return 2;
    }
    log.error(errorMessage(err), err instanceof StageError ? { stage: err.stage } : {});
    return 1;
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * `jdr-transcriber upload`: sends a session to the input bucket with a progress bar, `_READY` last. Exit 2 for a
 * usage or configuration problem, 1 when the folder or the upload fails, 0 when the run has been started.
 */
async function upload(options: CliUpload, env: Env, log: Logger, progress: Progress): Promise<number> {
  try {
    const store = openStore(`gs://${options.bucket}/`, { gcs: createStorageClient(env) });
    const result = await uploadSession(options.dir, { session: options.session, context: options.context, to: options.to.length > 0 ? options.to : undefined, recap: options.recap || undefined }, store, progress);
    for (const w of result.warnings) log.warn(w);
    if (result.skipped.length > 0) log.info(`Not sent (not audio): ${result.skipped.join(', ')}`);
    if (result.alreadyThere.length > 0) log.warn(`Already in ${result.uri} and transcribed too: ${result.alreadyThere.join(', ')}`);
    const bytes = result.files.reduce((n, f) => n + f.size, 0);
    log.info(`Sent ${result.files.length} file(s), ${(bytes / 1e6).toFixed(1)} MB, to ${result.uri}${result.context ? ` with ${result.context}` : ''}`);
    log.info(`_READY written: the run starts now; the transcript${options.recap ? ' and its recap' : ''} will be emailed${options.to.length > 0 ? ` to ${options.to.join(', ')}` : ''} when it is done.`);
    return 0;
  } catch (err) {
    log.error(errorMessage(err));
    return err instanceof ConfigError ? 2 : 1;
  } finally {
    progress.stop();
  }
}

/** The version in the project's package.json, found from this file (cli/ when run from source, dist/cli/ built). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
    } catch {
      // not here: one folder up
    }
  }
  return 'unknown';
}

function contextLocation(uri: string | undefined, input: ReturnType<typeof openStore>, clients: StoreClients, explicit: boolean): ContextLocation {
  if (!uri) return { store: input, key: 'context/context.yaml', explicit: false };
  const cut = uri.replace(/\/+$/, '').lastIndexOf('/');
  const folder = cut >= 0 ? uri.slice(0, cut + 1) : '.';
  const key = cut >= 0 ? uri.slice(cut + 1) : uri;
  return { store: openStore(folder, clients), key, explicit };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then((code) => process.exit(code));
}
