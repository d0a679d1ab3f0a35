import type { JobConfig } from '../lib/config/job.js';
import type { SessionContext } from '../lib/contracts/context.js';
import type { AsrOptions } from './engines/asr.js';
import type { RunSettings } from './run.js';
import { buildPrompt } from './stages/prompt.js';

/**
 * From a parsed configuration to what runSession needs: one mapping for the Cloud Run entry and the command line,
 * so that a setting reaches the stages the same way from a flag or from the environment.
 */
export function runSettings(config: JobConfig, session: string, runId: string): RunSettings {
  return {
    session,
    runId,
    language: config.language,
    chunk: config.chunk,
    vad: { threshold: config.vad.threshold },
    beamSize: config.beamSize,
    threads: config.threads,
    formats: config.formats,
    speakers: config.speakers,
    mode: config.mode,
    trackOffsets: config.trackOffsets,
    pageLang: config.pageLang,
  };
}

/** A run id when none is given: the start time, sortable and safe as a folder name (2026-12-01T10-22-33-123Z). */
export function defaultRunId(now = new Date()): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

/**
 * What the ASR engine is asked for, the same for every chunk of a session: the language (auto among the allowed ones
 * when the session mixes two), the prompt from the context, beam and threads.
 */
export function asrOptions(settings: RunSettings, context: SessionContext, deps: { signal?: AbortSignal; workDir: string }): Omit<AsrOptions, 'onProgress'> & { workDir: string } {
  const { multi, primary, secondary } = settings.language;
  return {
    language: multi ? 'auto' : primary,
    allowedLanguages: multi ? [primary, ...(secondary ? [secondary] : [])] : undefined,
    prompt: buildPrompt(context, primary),
    beamSize: settings.beamSize,
    threads: settings.threads,
    signal: deps.signal,
    workDir: deps.workDir,
  };
}
