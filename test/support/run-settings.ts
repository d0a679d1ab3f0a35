import type { RunSettings } from '../../job/run.js';
import { DEFAULT_FAINT_DB } from '../../lib/config/job.js';

/** The run settings the pipeline tests share: French with English, one 15-minute chunk size, greedy, one thread. */
export function testSettings(overrides: Partial<RunSettings> = {}): RunSettings {
  return {
    session: 'dialogue',
    runId: 'r1',
    language: { primary: 'fr', secondary: 'en', multi: false },
    chunk: { maxSeconds: 900, overlapSeconds: 2 },
    vad: { threshold: 0.5, faintDb: DEFAULT_FAINT_DB },
    beamSize: 1,
    threads: 1,
    formats: ['json', 'rttm', 'md'],
    speakers: { min: undefined, max: undefined },
    ...overrides,
  };
}
