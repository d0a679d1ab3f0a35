/**
 * The speech-recognition engine interface. An engine transcribes one 16 kHz mono WAV file; times in its result are
 * seconds from the start of that file. The pipeline handles chunking, offsets and merging.
 */
export interface AsrOptions {
  /** ISO 639-1 code, or 'auto' to detect. */
  language: string;
  /**
   * With language 'auto': the languages detection may choose from (primary first). A detected language outside the
   * set falls back to the first one.
   */
  allowedLanguages?: string[];
  /** Initial prompt (glossary, speaker names), carried into every window where the engine can. Engines cut it to their budget. */
  prompt?: string;
  /**
   * A second try at a span that looped: no prompt, no text carried between windows, temperature fallback on
   * (what whisper does to a window that fails its thresholds, applied to the whole span).
   */
  fresh?: boolean;
  beamSize: number;
  threads: number;
  signal?: AbortSignal;
  /** 0..1 progress through the file. */
  onProgress?: (fraction: number) => void;
}

export interface AsrToken {
  start: number;
  end: number;
  text: string;
  probability: number;
}

export interface AsrSegment {
  start: number;
  end: number;
  text: string;
  /** Tokens with their own timestamps (special tokens removed). */
  tokens: AsrToken[];
  avgLogprob?: number;
}

export interface AsrResult {
  language: string;
  segments: AsrSegment[];
}

/** What a prompt may cost, in the engine's own tokens. */
export interface PromptBudget {
  tokens: number;
  count(text: string): number;
}

export interface AsrEngine {
  /** e.g. "whisper.cpp 1.9.1 ggml-large-v3-turbo-q8_0.bin" */
  readonly description: string;
  /** The prompt's budget, when the engine knows it (whisper: from the model's vocabulary and context). */
  promptBudget?(): PromptBudget;
  transcribe(wavPath: string, options: AsrOptions): Promise<AsrResult>;
}
