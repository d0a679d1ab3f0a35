import { clock, type SkippedFile, type SourceFile, type Transcript } from './transcript.js';
import { escapeMarkdown } from './writers/md.js';

/**
 * The QA report: what a person should check before trusting the transcript (skipped recordings, warnings, passages
 * the recogniser was unsure of, speakers left without a name), then how the run went. `buildReport` gathers it from
 * the transcript and the run's facts; the renderers are pure.
 */
export const REPORT_VERSION = 1;
/** Mean token log-probability below which a segment is listed for a listen (≈ a token probability under 37 %). */
export const LOW_CONFIDENCE_LOGPROB = -1;
/** The Markdown lists this many low-confidence passages; the JSON lists them all. */
const LISTED_PASSAGES = 100;

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
}

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
    audioSeconds: round(t.duration, 3),
    wallSeconds: round(facts.wallSeconds, 3),
    realTimeFactor: facts.wallSeconds > 0 ? round(t.duration / facts.wallSeconds, 2) : 0,
    stages: facts.stages.map((s) => ({ stage: s.stage, seconds: round(s.seconds, 3) })),
    sources: [...t.sources],
    skipped: [...(facts.skipped ?? [])],
    warnings: [...(facts.warnings ?? [])],
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
        talkSeconds: round(s.talkSeconds, 3),
        sharePercent: totalTalk > 0 ? round((s.talkSeconds / totalTalk) * 100, 1) : 0,
        turns: s.turns,
        ...(s.confidence !== undefined ? { confidence: round(s.confidence, 3) } : {}),
        source: s.source,
      })),
    unmatchedClusters: t.speakers.filter((s) => s.source === 'unmatched').map((s) => s.cluster),
    voiceSampleProblems: [...(facts.voiceSampleProblems ?? [])],
    glossaryReplacements: { ...(facts.glossaryReplacements ?? {}) },
  };
}

export function renderReportJson(r: Report): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

export function renderReportMarkdown(r: Report): string {
  const out: string[] = [`# QA report: ${md(r.session)}`, ''];
  out.push(...summary(r), '', '## Needs attention', '');
  const attention = needsAttention(r);
  out.push(...(attention.length > 0 ? attention : ['Nothing: no file was skipped, no warning, no doubtful passage.', '']));
  out.push('## Details', '', ...details(r));
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function summary(r: Report): string[] {
  const speakers = r.speakers.length > 0 ? r.speakers.map((s) => `${md(s.name)} ${Math.round(s.sharePercent)} %`).join(', ') : 'not identified';
  const languages = languageSummary(r);
  return [
    `${clock(r.audioSeconds)} of audio from ${plural(r.sources.length, 'recording')}, transcribed in ${clock(r.wallSeconds)} ` +
      `(${r.realTimeFactor}× real time) on ${r.createdAt.slice(0, 16).replace('T', ' ')} UTC.`,
    '',
    `- Segments: ${r.segments.count}, words: ${r.segments.words}, doubtful passages: ${r.segments.lowConfidenceCount}`,
    `- Speakers: ${speakers}`,
    ...(languages ? [`- Languages: ${languages}`] : []),
    `- Skipped files: ${r.skipped.length}, warnings: ${r.warnings.length}`,
    `- Run \`${r.runId}\`, input ${r.inputUri}, output ${r.outputUri}`,
  ];
}

function needsAttention(r: Report): string[] {
  const out: string[] = [];
  if (r.skipped.length > 0) {
    out.push(`### Skipped files (${r.skipped.length})`, '', 'These recordings are not in the transcript.', '');
    for (const s of r.skipped) out.push(`- \`${s.name}\`: ${md(s.reason)}`);
    out.push('');
  }
  if (r.warnings.length > 0) {
    out.push(`### Warnings (${r.warnings.length})`, '');
    for (const w of r.warnings) out.push(`- ${md(w)}`);
    out.push('');
  }
  if (r.segments.lowConfidenceCount > 0) {
    out.push(`### Doubtful passages (${r.segments.lowConfidenceCount})`, '');
    out.push(`The recogniser was unsure here (mean log-probability below ${LOW_CONFIDENCE_LOGPROB}); worth a listen.`, '');
    out.push('| When | Speaker | Text | Log-prob |', '|---|---|---|---|');
    for (const p of r.segments.lowConfidence.slice(0, LISTED_PASSAGES)) {
      out.push(`| ${clock(Math.floor(p.start))}–${clock(Math.ceil(p.end))} | ${cell(p.speaker ?? '—')} | ${cell(p.text)} | ${p.avgLogprob} |`);
    }
    const more = r.segments.lowConfidenceCount - LISTED_PASSAGES;
    if (more > 0) out.push('', `… and ${more} more, listed in report.json.`);
    out.push('');
  }
  if (r.unmatchedClusters.length > 0) {
    out.push(`### Speakers without a name (${r.unmatchedClusters.length})`, '');
    for (const cluster of r.unmatchedClusters) {
      const s = r.speakers.find((x) => x.cluster === cluster);
      const talk = s ? ` (${clock(s.talkSeconds)} of talk)` : '';
      out.push(`- ${cluster}${talk}: add a voice sample for this person, or name them in context.yaml under \`overrides.speakers.${cluster}\`.`);
    }
    out.push('');
  }
  if (r.voiceSampleProblems.length > 0) {
    out.push(`### Voice samples (${r.voiceSampleProblems.length})`, '');
    for (const p of r.voiceSampleProblems) out.push(`- ${md(p)}`);
    out.push('');
  }
  return out;
}

function details(r: Report): string[] {
  const out: string[] = [];
  if (r.speakers.length > 0) {
    out.push('### Speakers', '', '| Name | Cluster | Talk time | Share | Turns | Confidence | Named by |', '|---|---|---|---|---|---|---|');
    for (const s of r.speakers) {
      out.push(`| ${cell(s.name)} | ${s.cluster} | ${clock(s.talkSeconds)} | ${s.sharePercent} % | ${s.turns} | ${s.confidence ?? '—'} | ${s.source} |`);
    }
    out.push('');
  }
  out.push('### Recordings', '', '| File | Starts at | Duration | Format |', '|---|---|---|---|');
  for (const s of r.sources) out.push(`| ${cell(s.name)} | ${clock(s.offset)} | ${clock(s.duration)} | ${cell(s.format ?? '—')} |`);
  out.push('');
  if (r.languages.length > 0) {
    out.push('### Language per chunk', '', '| Chunk | From | To | Language |', '|---|---|---|---|');
    for (const l of r.languages) out.push(`| ${l.chunk} | ${clock(l.start)} | ${clock(l.end)} | ${l.language} |`);
    out.push('');
  }
  const glossary = Object.entries(r.glossaryReplacements).sort((a, b) => b[1] - a[1]);
  if (glossary.length > 0) {
    out.push('### Glossary corrections', '', glossary.map(([name, n]) => `${md(name)} ×${n}`).join(', '), '');
  }
  out.push('### Stages', '', '| Stage | Seconds |', '|---|---|');
  for (const s of r.stages) out.push(`| ${s.stage} | ${s.seconds.toFixed(1)} |`);
  out.push('', '### Engines', '', `- ASR: ${md(r.engines.asr)}`, `- VAD: ${md(r.engines.vad)}`);
  if (r.engines.embedder) out.push(`- Speaker embeddings: ${md(r.engines.embedder)}`);
  return out;
}

function languageSummary(r: Report): string {
  const seconds = new Map<string, number>();
  for (const l of r.languages) seconds.set(l.language, (seconds.get(l.language) ?? 0) + (l.end - l.start));
  const total = [...seconds.values()].reduce((a, b) => a + b, 0);
  return [...seconds.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([lang, s]) => `${lang} ${total > 0 ? Math.round((s / total) * 100) : 0} %`)
    .join(', ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function md(text: string): string {
  return escapeMarkdown(text.replace(/\s+/g, ' ').trim());
}

function cell(text: string): string {
  return md(text).replace(/\|/g, '\\|');
}
