/** Voice activity detection: speech regions in seconds on the input's timeline. */
export interface SpeechRegion {
  start: number;
  end: number;
  /** The model's mean speech probability over the region (0..1), when it is known. */
  probability?: number;
}

export interface VadOptions {
  /** Speech probability above which a frame starts speech. */
  threshold: number;
  /** Probability below which speech ends (hysteresis); default threshold - 0.15. */
  negThreshold?: number;
  /** Shorter speech regions are dropped. */
  minSpeechMs: number;
  /** Silences shorter than this do not end a region. */
  minSilenceMs: number;
  /** Padding added on both sides of each region. */
  speechPadMs: number;
}

/**
 * Padding of 250 ms (Silero's own examples use 30 to 100): measured on the real meetings of ../shared/real-speech
 * (bench/speakers.bench.ts), reference speech starts and ends well beyond where the model's probability crosses the
 * threshold. With the level normalisation of job/audio/level.ts, it took the reference speech kept from 83 % to
 * 90 %. 400 ms kept 91 % but reaches past the 0.25 s every diarization score forgives around a boundary, so on
 * generated sessions, whose boundaries are exact, it showed as speech in silences (DER 1 % → 7.6 %). Padding never
 * crosses half of a pause.
 */
export const DEFAULT_VAD_OPTIONS: VadOptions = {
  threshold: 0.5,
  minSpeechMs: 250,
  minSilenceMs: 300,
  speechPadMs: 250,
};
