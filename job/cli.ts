#!/usr/bin/env node
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AbortedError, ConfigError, errorMessage } from '../lib/errors.js';
import { createLogger } from '../lib/log.js';
import { openStore, isGcsUri, type StoreClients } from '../lib/storage/index.js';
import { createStorageClient } from '../lib/storage/gcs-client.js';
import { parseCli, type CliUpload } from './cli-options.js';
import { uploadSession } from './upload.js';
import { ffmpegTools } from './engines/ffmpeg.js';
import { SileroVad } from './engines/silero-vad.js';
import { WhisperCppEngine } from './engines/whisper-cpp.js';
import { resolveWhisperBinary, resolveWhisperModel } from './engines/whisper-model.js';
import { createProgress } from './progress.js';
import { runSession, StageError } from './run.js';
import { clock } from './transcript.js';
import type { ContextLocation } from './context.js';
import { createSpeakerEmbedder } from './engines/embedder-factory.js';

/**
 * `jdr-transcriber run <folder | gs://…>`: the whole pipeline on one session, from a terminal. Builds the clients
 * and engines, wires Ctrl-C to an abort, and turns failures into one readable message and an exit code.
 */
export async function main(argv = process.argv.slice(2), env = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseCli(argv, env);
  } catch (err) {
    process.stderr.write(`${errorMessage(err)}\n`);
    return 2;
  }
  if (parsed.command === 'help') {
    process.stdout.write(parsed.text + '\n');
    return 0;
  }
  if (parsed.command === 'version') {
    const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')) as { version?: string };
    process.stdout.write(`${pkg.version ?? 'unknown'}\n`);
    return 0;
  }

  if (parsed.command === 'upload') return upload(parsed, env);
  const { config, session } = parsed;
  const tty = Boolean(process.stderr.isTTY) && !parsed.json;
  const log = createLogger({ json: !tty, minSeverity: parsed.quiet ? 'WARNING' : 'INFO', labels: { session } });
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    log.warn(`${signal}: stopping (press Ctrl-C again to quit at once)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const modelPath = resolveWhisperModel(config.model);
    const binaryPath = resolveWhisperBinary(env);
    const clients: StoreClients = [config.input, config.output ?? '', config.contextUri ?? ''].some(isGcsUri)
      ? { gcs: createStorageClient(env) }
      : {};
    const input = openStore(config.input, clients);
    const output = openStore(config.output!, clients);
    const context = contextLocation(config.contextUri, input, clients, parsed.explicitContext);
    const runId = config.runId ?? new Date().toISOString().replace(/[:.]/g, '-');
    const outcome = await runSession(
      {
        session,
        runId,
        language: config.language,
        chunk: config.chunk,
        vad: { threshold: config.vad.threshold },
        beamSize: config.beamSize,
        threads: config.threads,
        formats: config.formats,
        speakers: config.speakers,
      },
      {
        input,
        output,
        context,
        asr: new WhisperCppEngine({ binaryPath, modelPath, log }),
        vad: await SileroVad.create(),
        embedder: await createSpeakerEmbedder({ modelPath: config.speakerModelPath, threads: config.threads }),
        tools: ffmpegTools(env),
        log,
        progress: createProgress({ tty: tty && !parsed.quiet, log }),
        workDir: await mkdtemp(join(tmpdir(), 'jdr-')),
        signal: controller.signal,
      },
    );
    const t = outcome.transcript;
    log.info(
      `Done: ${clock(t.duration)} of audio in ${clock(outcome.wallSeconds)} (${(t.duration / Math.max(outcome.wallSeconds, 0.001)).toFixed(1)}× real time), ${t.segments.length} segments`,
    );
    for (const file of outcome.outputs.uris) log.info(`  ${file}`);
    return 0;
  } catch (err) {
    const cause = err instanceof StageError ? err.cause : err;
    if (cause instanceof AbortedError) {
      log.warn('Stopped before the end; nothing was written.');
      return 130;
    }
    if (cause instanceof ConfigError) {
      log.error(cause.message);
      return 2;
    }
    log.error(errorMessage(err), err instanceof StageError ? { stage: err.stage } : {});
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * `jdr-transcriber upload`: sends a session to the input bucket with a progress bar, `_READY` last. Exit 2 for a
 * usage or configuration problem, 1 when the folder or the upload fails, 0 when the run has been started.
 */
async function upload(options: CliUpload, env: NodeJS.ProcessEnv): Promise<number> {
  const tty = Boolean(process.stderr.isTTY) && !options.json;
  const log = createLogger({ json: !tty, minSeverity: options.quiet ? 'WARNING' : 'INFO', labels: { session: options.session } });
  try {
    const store = openStore(`gs://${options.bucket}/`, { gcs: createStorageClient(env) });
    const result = await uploadSession(
      options.dir,
      { session: options.session, context: options.context, to: options.to.length > 0 ? options.to : undefined },
      store,
      createProgress({ tty: tty && !options.quiet, log }),
    );
    for (const w of result.warnings) log.warn(w);
    if (result.skipped.length > 0) log.info(`Not sent (not audio): ${result.skipped.join(', ')}`);
    if (result.alreadyThere.length > 0) log.warn(`Already in ${result.uri} and transcribed too: ${result.alreadyThere.join(', ')}`);
    const bytes = result.files.reduce((n, f) => n + f.size, 0);
    log.info(`Sent ${result.files.length} file(s), ${(bytes / 1e6).toFixed(1)} MB, to ${result.uri}${result.context ? ` with ${result.context}` : ''}`);
    log.info(`_READY written: the run starts now; the transcript will be emailed${options.to.length > 0 ? ` to ${options.to.join(', ')}` : ''} when it is done.`);
    return 0;
  } catch (err) {
    log.error(errorMessage(err));
    return err instanceof ConfigError ? 2 : 1;
  }
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
