import { boundedList } from '../lib/bounded.js';
import { roundTo } from './round.js';
import type { Correction, Marker, NearMiss, Removal, Segment, SkippedFile, SourceFile, TrackSummary, Transcript } from './transcript.js';

/**
 * The QA report: what a person should check before trusting the transcript (skipped recordings, warnings, passages
 * the recogniser was unsure of, speakers left without a name), then how the run went. `buildReport` gathers it from
 * the transcript and the run's facts; job/writers/report.ts renders it as report.md and report.json.
 */
export const REPORT_VERSION = 1;
/** Mean token log-probability below which a segment is listed for a listen (≈ a token probability under 37 %). */
export const LOW_CONFIDENCE_LOGPROB = -1;
/** report.json keeps this many warnings, then says how many more there were. */
export const KEPT_WARNINGS = 100;

export interface StageSeconds {
  stage: string;
  seconds: number;
}

export interface ChunkLanguage {
  chunk: number;
  start: number;
  end: number;
  language: string;
}

export interface LowConfidencePassage {
  start: number;
  end: number;
  speaker?: string;
  text: string;
  avgLogprob: number;
}

export interface ReportSpeaker {
  name: string;
  cluster: string;
  talkSeconds: number;
  sharePercent: number;
  turns: number;
  confidence?: number;
  source: string;
  /** A speaker without a name: their longest lines, in time order, for a player to tell who it is. */
  lines?: SpeakerLine[];
  /** A speaker without a name: their voice cut from the session (an output file), to use as their voice sample. */
  clip?: string;
}

export interface SpeakerLine {
  start: number;
  end: number;
  text: string;
}

/** A speaker without a name is shown with this many of their longest lines, each cut at this many characters. */
export const SPEAKER_LINES = 3;
export const SPEAKER_LINE_CHARS = 160;

/** How the recap went: written, failed (the reason says what to do) or skipped; what it cost; what was dropped. */
export interface ReportRecap {
  status: 'written' | 'failed' | 'skipped';
  /** Which model, where. */
  model: string;
  reason?: string;
  requests: number;
  /** Parts the transcript was cut into to fit the model's window (1: one request). */
  parts: number;
  tokensIn: number;
  tokensOut: number;
  /** Estimated from the model's list price, US dollars; absent when no price is known (local servers). */
  costUsd?: number;
  /** Quotes not in the transcript near their time, and events or quotes past the end of the session: left out. */
  dropped: { quotes: number; times: number };
}

export interface Report {
  version: typeof REPORT_VERSION;
  session: string;
  runId: string;
  /** ISO 8601. */
  createdAt: string;
  inputUri: string;
  outputUri: string;
  audioSeconds: number;
  wallSeconds: number;
  /** Seconds of audio per second of wall time. */
  realTimeFactor: number;
  stages: StageSeconds[];
  sources: SourceFile[];
  skipped: SkippedFile[];
  warnings: string[];
  engines: { asr: string; vad: string; embedder?: string };
  languages: ChunkLanguage[];
  segments: { count: number; words: number; lowConfidenceCount: number; lowConfidence: LowConfidencePassage[] };
  speakers: ReportSpeaker[];
  /** Clusters no voice sample or override named (shown as SPKn). */
  unmatchedClusters: string[];
  voiceSampleProblems: string[];
  /** Replacements per glossary name. */
  glossaryReplacements: Record<string, number>;
  /** Which mode ran, why, and how to get the other one. */
  mode: { mode: 'mixed' | 'multitrack'; reason: string; other: string };
  /** Multitrack: every track, with its name and what of its speech was kept. */
  tracks: TrackSummary[];
  /** context.yaml lines that would name the tracks nothing named. */
  trackSuggestions: string[];
  markers: Marker[];
  /** Parallel tasks the run was planned for (1 locally). */
  tasks: number;
  /** Every line or part of a line the quality filter removed (bounded, then counted). */
  removed: { count: number; list: Removal[] };
  /** Spans where Whisper looped, transcribed once more; `kept` says which transcription stayed. */
  loopRetries: Array<{ start: number; end: number; kept: 'first' | 'second' }>;
  /** Glossary corrections, and near misses left for a person to check (bounded, then counted). */
  corrections: { count: number; list: Correction[] };
  toCheck: { count: number; list: NearMiss[] };
  /** Whisper's prompt: its budget, the most any chunk's prompt cost, and the names left out of some chunks' prompts. */
  prompt?: { budget: number; tokens: number; chunks: number; leftOut: Array<{ name: string; chunks: number }> };
  /** Present when a recap was asked for. */
  recap?: ReportRecap;
}

export interface ReportFacts {
  runId: string;
  createdAt: Date;
  inputUri: string;
  outputUri: string;
  wallSeconds: number;
  stages: readonly StageSeconds[];
  skipped?: readonly SkippedFile[];
  warnings?: readonly string[];
  languages?: readonly ChunkLanguage[];
  voiceSampleProblems?: readonly string[];
  glossaryReplacements?: Readonly<Record<string, number>>;
  mode?: Report['mode'];
  trackSuggestions?: readonly string[];
  tasks?: number;
  loopRetries?: Report['loopRetries'];
  /** Each chunk's prompt, as the transcription recorded it. */
  prompts?: ReadonlyArray<{ tokens: number; budget: number; leftOut: readonly string[] }>;
  recap?: ReportRecap;
  /** Cluster → the voice clip cut for it (job/stages/voices.ts). */
  voiceClips?: Readonly<Record<string, string>>;
}

/** report.json lists this many removals, corrections and names to check, then counts the rest (transcript.json has them all). */
export const KEPT_ITEMS = 2000;

export function buildReport(t: Transcript, facts: ReportFacts): Report {
  const lowConfidence = t.segments
    .filter((s) => s.avgLogprob !== undefined && s.avgLogprob < LOW_CONFIDENCE_LOGPROB)
    .map((s) => ({
      start: s.start,
      end: s.end,
      ...(s.speaker ? { speaker: s.speaker } : {}),
      text: s.text.replace(/\s+/g, ' ').trim(),
      avgLogprob: Math.round(s.avgLogprob! * 1000) / 1000,
    }));
  const totalTalk = t.speakers.reduce((n, s) => n + s.talkSeconds, 0);
  return {
    version: REPORT_VERSION,
    session: t.session,
    runId: facts.runId,
    createdAt: facts.createdAt.toISOString(),
    inputUri: facts.inputUri,
    outputUri: facts.outputUri,
    audioSeconds: roundTo(t.duration, 3),
    wallSeconds: roundTo(facts.wallSeconds, 3),
    realTimeFactor: facts.wallSeconds > 0 ? roundTo(t.duration / facts.wallSeconds, 2) : 0,
    stages: facts.stages.map((s) => ({ stage: s.stage, seconds: roundTo(s.seconds, 3) })),
    sources: [...t.sources],
    skipped: [...(facts.skipped ?? [])],
    warnings: boundedList(facts.warnings ?? [], KEPT_WARNINGS, (n) => `… and ${n} more warnings`),
    engines: { ...t.model },
    languages: [...(facts.languages ?? [])],
    segments: {
      count: t.segments.length,
      words: t.segments.reduce((n, s) => n + (s.text.match(/\S+/g)?.length ?? 0), 0),
      lowConfidenceCount: lowConfidence.length,
      lowConfidence,
    },
    speakers: [...t.speakers]
      .sort((a, b) => b.talkSeconds - a.talkSeconds)
      .map((s) => ({
        name: s.name,
        cluster: s.cluster,
        talkSeconds: roundTo(s.talkSeconds, 3),
        sharePercent: totalTalk > 0 ? roundTo((s.talkSeconds / totalTalk) * 100, 1) : 0,
        turns: s.turns,
        ...(s.confidence !== undefined ? { confidence: roundTo(s.confidence, 3) } : {}),
        source: s.source,
        ...(s.source === 'unmatched' ? { lines: longestLines(t.segments, s.name) } : {}),
        ...(s.source === 'unmatched' && facts.voiceClips?.[s.cluster] ? { clip: facts.voiceClips[s.cluster] } : {}),
      })),
    unmatchedClusters: t.speakers.filter((s) => s.source === 'unmatched').map((s) => s.cluster),
    voiceSampleProblems: [...(facts.voiceSampleProblems ?? [])],
    glossaryReplacements: { ...(facts.glossaryReplacements ?? {}) },
    mode: facts.mode ?? { mode: t.mode ?? 'mixed', reason: '', other: '' },
    tracks: [...(t.tracks ?? [])],
    trackSuggestions: [...(facts.trackSuggestions ?? [])],
    markers: [...(t.markers ?? [])],
    tasks: facts.tasks ?? 1,
    removed: bounded(t.removed ?? []),
    loopRetries: (facts.loopRetries ?? []).map((r) => ({ ...r, start: roundTo(r.start, 3), end: roundTo(r.end, 3) })),
    corrections: bounded(t.corrections ?? []),
    toCheck: bounded(t.toCheck ?? []),
    ...(facts.prompts && facts.prompts.length > 0 ? { prompt: promptSummary(facts.prompts) } : {}),
    ...(facts.recap ? { recap: { ...facts.recap, dropped: { ...facts.recap.dropped } } } : {}),
  };
}

/** What a speaker said at most length, the longest first chosen, then put back in time order. */
export function longestLines(segments: readonly Segment[], speaker: string): SpeakerLine[] {
  return segments
    .filter((s) => s.speaker === speaker && s.text.trim() !== '')
    .map((s) => ({ start: roundTo(s.start, 3), end: roundTo(s.end, 3), text: cutText(s.text.replace(/\s+/g, ' ').trim(), SPEAKER_LINE_CHARS) }))
    .sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start)
    .slice(0, SPEAKER_LINES)
    .sort((a, b) => a.start - b.start);
}

function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

function bounded<T>(items: readonly T[]): { count: number; list: T[] } {
  return { count: items.length, list: items.slice(0, KEPT_ITEMS) };
}

function promptSummary(prompts: NonNullable<ReportFacts['prompts']>): NonNullable<Report['prompt']> {
  const left = new Map<string, number>();
  for (const p of prompts) for (const name of p.leftOut) left.set(name, (left.get(name) ?? 0) + 1);
  return {
    budget: Math.min(...prompts.map((p) => p.budget)),
    tokens: Math.max(...prompts.map((p) => p.tokens)),
    chunks: prompts.length,
    leftOut: [...left.entries()].map(([name, chunks]) => ({ name, chunks })),
  };
}

