import type { SessionContext } from '../../lib/contracts/context.js';
import type { PcmFile } from '../audio/pcm.js';
import type { SpeakerEmbedder } from '../engines/embedder.js';
import type { SpeechRegion } from '../engines/vad.js';
import { diarize, type Diarization } from '../diarize/diarize.js';

/**
 * The diarization stage: who spoke when, over the session's speech regions. Speaker-count hints come from the
 * manifest (`min_speakers`/`max_speakers`); without a maximum there, the number of speakers context.yaml lists is
 * the upper bound — when it lists at least two, since a context naming only the game master says nothing about the
 * table's size.
 */
export interface DiarizeStageOptions {
  hints: { min: number | undefined; max: number | undefined };
  context: SessionContext;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

export function speakerBounds(hints: DiarizeStageOptions['hints'], context: SessionContext): { minSpeakers?: number; maxSpeakers?: number } {
  const listed = context.speakers.length;
  const max = hints.max ?? (listed >= 2 ? Math.max(listed, hints.min ?? 0) : undefined);
  return { minSpeakers: hints.min, maxSpeakers: max };
}

export function diarizeSession(
  pcm: PcmFile,
  regions: readonly SpeechRegion[],
  embedder: SpeakerEmbedder,
  options: DiarizeStageOptions,
): Promise<Diarization> {
  return diarize(pcm, regions, embedder, { ...speakerBounds(options.hints, options.context), signal: options.signal, onProgress: options.onProgress });
}
