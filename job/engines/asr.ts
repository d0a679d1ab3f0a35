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
  /** Initial prompt (glossary, speaker names). Engines truncate it to their own budget. */
  prompt?: string;
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

export interface AsrEngine {
  /** e.g. "whisper.cpp 1.9.1 ggml-large-v3-turbo-q8_0.bin" */
  readonly description: string;
  transcribe(wavPath: string, options: AsrOptions): Promise<AsrResult>;
}
