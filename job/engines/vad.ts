/** Voice activity detection: speech regions in seconds on the input's timeline. */
export interface SpeechRegion {
  start: number;
  end: number;
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

export const DEFAULT_VAD_OPTIONS: VadOptions = {
  threshold: 0.5,
  minSpeechMs: 250,
  minSilenceMs: 300,
  speechPadMs: 100,
};
