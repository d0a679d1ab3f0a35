/**
 * The transcript model every stage after ASR shares. Times are seconds on the session's timeline (mixed sessions: all
 * files laid end to end, in name order; multitrack sessions: every track from 0, or from its offset). Field names follow WhisperX's JSON so existing tools can read ours.
 */
export interface Word {
  start: number;
  end: number;
  text: string;
  /** Token probability from the ASR engine, 0..1. */
  probability?: number;
  speaker?: string;
}

export interface Segment {
  start: number;
  end: number;
  text: string;
  speaker?: string;
  /** ISO 639-1 code of the language this segment was decoded in. */
  lang?: string;
  words?: Word[];
  /** Mean token log-probability, for QA. */
  avgLogprob?: number;
}

export interface SpeakerSummary {
  /** Label shown in the transcript: a name from context.yaml or SPKn. */
  name: string;
  /** Cluster label before naming (SPKn). */
  cluster: string;
  talkSeconds: number;
  turns: number;
  /** Similarity to the matched voice sample, when a name came from one. */
  confidence?: number;
  /** voice-sample, override, unmatched, single (mixed sessions); track (its label), context (context.yaml), override (multitrack). */
  source: 'voice-sample' | 'override' | 'unmatched' | 'single' | 'track' | 'context';
}

/** A note put on the timeline while recording (Craig's /note). */
export interface Marker {
  time: number;
  text: string;
}

/** One track of a multitrack session, for the report. */
export interface TrackSummary {
  /** The file (and stream or channel). */
  file: string;
  /** What the recorder called it (info.txt, or the file's name). */
  label: string;
  /** The name on its lines. */
  name: string;
  namedBy: 'context' | 'override' | 'label';
  /** Where it starts on the session's timeline, and how long it is, seconds. */
  offset: number;
  duration: number;
  /** Speech the VAD found on it, and what of that was kept as its own (the rest: other players' voices). */
  speechSeconds: number;
  keptSeconds: number;
  bleedSeconds: number;
}

export interface SpeakerTurn {
  start: number;
  end: number;
  speaker: string;
}

export interface SourceFile {
  /** Key relative to the session's input location. */
  name: string;
  /** Where the file starts on the session timeline, seconds. */
  offset: number;
  duration: number;
  format?: string;
}

export interface SkippedFile {
  name: string;
  reason: string;
}

/** A glossary correction: what the recogniser wrote and the name it became (glossary stage). */
export interface Correction {
  start: number;
  end: number;
  speaker?: string;
  before: string;
  after: string;
  /** alias: an alias or spelling listed in context.yaml; sounds-like: close in sound to the name, not an ordinary word. */
  reason: 'alias' | 'sounds-like';
  /** Why, in words: "sounds the same, 1 letter apart, no ordinary word". */
  detail?: string;
}

/** A word that sounds somewhat like a glossary name, below the threshold: left as it is, listed for a person to check. */
export interface NearMiss {
  start: number;
  end: number;
  speaker?: string;
  text: string;
  /** The glossary name it may be. */
  likely: string;
}

/** A line or part of a line the quality filter took out (a loop, or words nobody said). */
export interface Removal {
  start: number;
  end: number;
  speaker?: string;
  text: string;
  reason: 'repeated-line' | 'repeated-words' | 'compression' | 'non-speech-phrase';
}

/** Something the recap lists (a character met, a place, an item), with what the session said of it. */
export interface RecapEntry {
  name: string;
  note?: string;
}

/** A moment of the session, at its time on the timeline (seconds). */
export interface RecapEvent {
  time: number;
  text: string;
}

/** A line someone said, as the transcript has it (checked), with who said it there. */
export interface RecapQuote {
  time: number;
  speaker?: string;
  text: string;
}

/**
 * The session's recap (job/stages/recap.ts), written by a language model from the named transcript and checked
 * against it: every quote is in the transcript near its time, every time within the session.
 */
export interface Recap {
  /** The language it is written in (the session's main language). */
  language: string;
  /** "Previously on…": the session in one paragraph. */
  previously: string;
  /** The key events, in time order. */
  events: RecapEvent[];
  characters: RecapEntry[];
  places: RecapEntry[];
  /** Items and loot. */
  items: RecapEntry[];
  /** Open threads: what is left to do or find out. */
  threads: string[];
  quotes: RecapQuote[];
  /** Who wrote it, e.g. "gemini-3.5-flash on Vertex AI (europe-west1)". */
  model: string;
}

export interface Transcript {
  session: string;
  /** Seconds of audio on the timeline. */
  duration: number;
  language: string;
  segments: Segment[];
  speakers: SpeakerSummary[];
  /** Who spoke when, from diarization (named), when it ran: what transcript.rttm lists. */
  turns?: SpeakerTurn[];
  sources: SourceFile[];
  model: { asr: string; vad: string; embedder?: string };
  /** multitrack: one track per speaker (then `tracks` lists them); mixed (the default) when absent. */
  mode?: 'mixed' | 'multitrack';
  tracks?: TrackSummary[];
  markers?: Marker[];
  /** Glossary corrections, in time order (what the page shows on hover, what the report lists). */
  corrections?: Correction[];
  /** Near misses of the glossary, to check. */
  toCheck?: NearMiss[];
  /** What the quality filter took out, in time order. */
  removed?: Removal[];
  /** The session's recap, when one was asked for and written. */
  recap?: Recap;
}

/** Formats seconds as H:MM:SS for humans (one helper for the job and the emails). */
export { clock } from '../lib/units.js';
