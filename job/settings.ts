import type { JobConfig } from '../lib/config/job.js';
import type { AsrOptions } from './engines/asr.js';
import type { RunSettings } from './run.js';

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
    vad: { threshold: config.vad.threshold, faintDb: config.vad.faintDb },
    beamSize: config.beamSize,
    threads: config.threads,
    formats: config.formats,
    speakers: config.speakers,
    mode: config.mode,
    trackOffsets: config.trackOffsets,
    ...(config.recap.backend !== 'off' ? { recap: { contextTokens: config.recap.contextTokens, retry: config.recap.retry } } : {}),
    pageLang: config.pageLang,
  };
}

/** A run id when none is given: the start time, sortable and safe as a folder name (2026-12-01T10-22-33-123Z). */
export function defaultRunId(now = new Date()): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

/**
 * What the ASR engine is asked for, the same for every chunk of a session: the language (auto among the allowed ones
 * when the session mixes two), beam and threads. The prompt is chosen per chunk (stages/prompt.ts).
 */
export function asrOptions(settings: RunSettings, deps: { signal?: AbortSignal; workDir: string }): Omit<AsrOptions, 'onProgress' | 'prompt'> & { workDir: string } {
  const { multi, primary, secondary } = settings.language;
  return {
    language: multi ? 'auto' : primary,
    allowedLanguages: multi ? [primary, ...(secondary ? [secondary] : [])] : undefined,
    beamSize: settings.beamSize,
    threads: settings.threads,
    signal: deps.signal,
    workDir: deps.workDir,
  };
}
