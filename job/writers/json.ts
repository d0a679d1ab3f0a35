/**
 * `transcript.json`: close to WhisperX's output (`segments`, `word_segments`, `language`, words with `word`, `start`,
 * `end`, `score`, `speaker`), so tools that read WhisperX read it; the rest is added alongside. Times are seconds on
 * the session's timeline (every recording of the session end to end, in name order), rounded to the millisecond.
 * Optional keys are left out rather than set to null. One line, as WhisperX writes it: a 4-hour session has tens of
 * thousands of words, and indenting each one would triple the file.
 *
 * ```jsonc
 * {
 *   "version": 1,                      // bumped when a key changes meaning or disappears
 *   "session": "2024-05-03-campagne",
 *   "language": "fr",                  // the language of most of the audio (ISO 639-1)
 *   "duration": 12345.678,             // seconds of audio
 *   "segments": [{
 *     "start": 83.12, "end": 86.4,
 *     "text": "Le dragon se réveille.",
 *     "speaker": "Alice",              // absent when diarization did not run or could not decide
 *     "lang": "fr",                    // language this segment was decoded in
 *     "avg_logprob": -0.21,            // mean token log-probability; below -1 deserves a listen
 *     "words": [{ "word": "Le", "start": 83.12, "end": 83.3, "score": 0.98, "speaker": "Alice" }]
 *   }],
 *   "word_segments": [ … ],            // every segment's words, in order, as WhisperX lists them
 *   "speakers": [{
 *     "name": "Alice",                 // as shown in the transcript: a name from context.yaml, or SPKn
 *     "cluster": "SPK1",               // the diarization cluster behind it
 *     "talk_time": 3012.5,             // seconds
 *     "turns": 412,
 *     "confidence": 0.83,              // similarity to the voice sample the name came from
 *     "source": "voice-sample"         // voice-sample | override | unmatched | single | track | context
 *   }],
 *   "sources": [{ "name": "part1.m4a", "offset": 0, "duration": 5400.2, "format": "mov,mp4,m4a,3gp,3g2,mj2" }],
 *   "model": { "asr": "whisper.cpp large-v3-turbo q8_0", "vad": "silero v5", "embedder": "…" },
 *   // multitrack sessions only:
 *   "mode": "multitrack",
 *   "tracks": [{ "file": "craig.zip/1-alice_0.flac", "label": "Alice", "name": "Alice", "named_by": "context",
 *                "offset": 0, "duration": 14400, "speech": 2400.5, "kept": 2310.2, "bleed": 90.3 }],
 *   "markers": [{ "time": 754, "text": "the dragon wakes up" }],  // Craig's /note lines
 *   // when there are any:
 *   "removed": [{ "start": 3601.2, "end": 3604, "text": "Merci d'avoir regardé cette vidéo.", "reason": "non-speech-phrase" }],
 *                                      // repeated-line | repeated-words | compression | non-speech-phrase
 *   "corrections": [{ "start": 83.1, "end": 83.6, "speaker": "Alice", "before": "Hectaron", "after": "Ektaron",
 *                     "reason": "sounds-like", "detail": "sounds the same, 2 letters apart, no ordinary word" }],
 *   "to_check": [{ "start": 95.2, "end": 95.7, "text": "Sylvaël", "likely": "Sylvaëlle" }],
 *   // when a recap was written (RECAP, or recap: true in _READY):
 *   "recap": { "language": "fr", "model": "gemini-3.5-flash on Vertex AI (europe-west1)", "previously": "…",
 *              "events": [{ "time": 83.12, "text": "…" }], "characters": [{ "name": "Eldrin", "note": "…" }],
 *              "places": [ … ], "items": [ … ], "threads": ["…"], "quotes": [{ "time": 83.12, "speaker": "Hugo", "text": "…" }] }
 * }
 * ```
 */
import type { Recap, Segment, Transcript, Word } from '../transcript.js';
import { roundMs } from './time.js';
import { roundTo } from '../round.js';

export const JSON_VERSION = 1;

export interface JsonWord {
  word: string;
  start: number;
  end: number;
  score?: number;
  speaker?: string;
}

export interface JsonSegment {
  start: number;
  end: number;
  text: string;
  speaker?: string;
  lang?: string;
  avg_logprob?: number;
  words?: JsonWord[];
}

export interface TranscriptJson {
  version: typeof JSON_VERSION;
  session: string;
  language: string;
  duration: number;
  segments: JsonSegment[];
  word_segments: JsonWord[];
  speakers: Array<{ name: string; cluster: string; talk_time: number; turns: number; confidence?: number; source: string }>;
  sources: Array<{ name: string; offset: number; duration: number; format?: string }>;
  model: { asr: string; vad: string; embedder?: string };
  mode?: 'multitrack';
  tracks?: Array<{ file: string; label: string; name: string; named_by: string; offset: number; duration: number; speech: number; kept: number; bleed: number }>;
  markers?: Array<{ time: number; text: string }>;
  /** What the quality filter took out (loops, words nobody said): nothing disappears silently. */
  removed?: Array<{ start: number; end: number; speaker?: string; text: string; reason: string }>;
  /** Glossary corrections, and the near misses left as they were. */
  corrections?: Array<{ start: number; end: number; speaker?: string; before: string; after: string; reason: string; detail?: string }>;
  to_check?: Array<{ start: number; end: number; speaker?: string; text: string; likely: string }>;
  recap?: Recap;
}

export function transcriptJson(t: Transcript): TranscriptJson {
  const segments = t.segments.map(jsonSegment);
  return {
    version: JSON_VERSION,
    session: t.session,
    language: t.language,
    duration: roundMs(t.duration),
    segments,
    word_segments: segments.flatMap((s) => s.words ?? []),
    speakers: t.speakers.map((s) => ({
      name: s.name,
      cluster: s.cluster,
      talk_time: roundMs(s.talkSeconds),
      turns: s.turns,
      ...(s.confidence !== undefined ? { confidence: roundTo(s.confidence, 3) } : {}),
      source: s.source,
    })),
    sources: t.sources.map((s) => ({
      name: s.name,
      offset: roundMs(s.offset),
      duration: roundMs(s.duration),
      ...(s.format !== undefined ? { format: s.format } : {}),
    })),
    model: { asr: t.model.asr, vad: t.model.vad, ...(t.model.embedder !== undefined ? { embedder: t.model.embedder } : {}) },
    ...(t.mode === 'multitrack' ? { mode: 'multitrack' as const } : {}),
    ...(t.tracks && t.tracks.length > 0
      ? {
          tracks: t.tracks.map((k) => ({
            file: k.file,
            label: k.label,
            name: k.name,
            named_by: k.namedBy,
            offset: roundMs(k.offset),
            duration: roundMs(k.duration),
            speech: roundMs(k.speechSeconds),
            kept: roundMs(k.keptSeconds),
            bleed: roundMs(k.bleedSeconds),
          })),
        }
      : {}),
    ...(t.markers && t.markers.length > 0 ? { markers: t.markers.map((m) => ({ time: roundMs(m.time), text: m.text })) } : {}),
    ...(t.removed && t.removed.length > 0 ? { removed: t.removed.map((r) => ({ ...r, start: roundMs(r.start), end: roundMs(r.end) })) } : {}),
    ...(t.corrections && t.corrections.length > 0 ? { corrections: t.corrections.map((c) => ({ ...c, start: roundMs(c.start), end: roundMs(c.end) })) } : {}),
    ...(t.toCheck && t.toCheck.length > 0 ? { to_check: t.toCheck.map((n) => ({ ...n, start: roundMs(n.start), end: roundMs(n.end) })) } : {}),
    ...(t.recap ? { recap: recapJson(t.recap) } : {}),
  };
}

export function renderJson(t: Transcript): string {
  return `${JSON.stringify(transcriptJson(t))}\n`;
}

function recapJson(r: Recap): Recap {
  return {
    language: r.language,
    model: r.model,
    previously: r.previously,
    events: r.events.map((e) => ({ time: roundMs(e.time), text: e.text })),
    characters: r.characters,
    places: r.places,
    items: r.items,
    threads: r.threads,
    quotes: r.quotes.map((q) => ({ time: roundMs(q.time), ...(q.speaker !== undefined ? { speaker: q.speaker } : {}), text: q.text })),
  };
}

function jsonSegment(s: Segment): JsonSegment {
  return {
    start: roundMs(s.start),
    end: roundMs(s.end),
    text: s.text,
    ...(s.speaker !== undefined ? { speaker: s.speaker } : {}),
    ...(s.lang !== undefined ? { lang: s.lang } : {}),
    ...(s.avgLogprob !== undefined ? { avg_logprob: roundTo(s.avgLogprob, 3) } : {}),
    ...(s.words && s.words.length > 0 ? { words: s.words.map(jsonWord) } : {}),
  };
}

function jsonWord(w: Word): JsonWord {
  return {
    word: w.text,
    start: roundMs(w.start),
    end: roundMs(w.end),
    ...(w.probability !== undefined ? { score: roundTo(w.probability, 3) } : {}),
    ...(w.speaker !== undefined ? { speaker: w.speaker } : {}),
  };
}
