import { clock } from '../transcript.js';
import { LOW_CONFIDENCE_LOGPROB, type Report } from '../report.js';
import { markdownCell as cell, markdownLine as md } from './md.js';
import { isModelFree } from '../engines/embedder.js';
import { SPEAKER_MODEL_HINT } from '../engines/speaker-model.js';

/**
 * report.md and report.json: the QA report for a person (what needs attention first, then the details) and for tools.
 * Lists that can be long are bounded in the Markdown and complete (or counted) in the JSON.
 */
/** The Markdown lists this many low-confidence passages and warnings; report.json has the rest. */
const LISTED_PASSAGES = 100;
const LISTED_WARNINGS = 20;
const LISTED_NAMES = 50;

const REMOVAL_REASONS: Record<Report['removed']['list'][number]['reason'], string> = {
  'repeated-line': 'the line before it, again (a loop)',
  'repeated-words': 'words repeated inside the line (a loop)',
  compression: 'too repetitive to be speech',
  'non-speech-phrase': "a subtitler's phrase, over audio that is not clear speech",
};

function span(x: { start: number; end: number }): string {
  return `${clock(Math.floor(x.start))}–${clock(Math.ceil(x.end))}`;
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
      `(${r.realTimeFactor}× real time${r.tasks > 1 ? `, ${r.tasks} parallel tasks` : ''}) on ${r.createdAt.slice(0, 16).replace('T', ' ')} UTC.`,
    '',
    `- Segments: ${r.segments.count}, words: ${r.segments.words}, doubtful passages: ${r.segments.lowConfidenceCount}`,
    `- Speakers: ${speakers}`,
    ...(languages ? [`- Languages: ${languages}`] : []),
    `- Skipped files: ${r.skipped.length}, warnings: ${r.warnings.length}`,
    ...(r.mode.reason ? [`- Mode: ${r.mode.mode}. ${md(r.mode.reason)} ${md(r.mode.other)}`] : []),
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
    for (const w of r.warnings.slice(0, LISTED_WARNINGS)) out.push(`- ${md(w)}`);
    if (r.warnings.length > LISTED_WARNINGS) out.push(`- … and ${r.warnings.length - LISTED_WARNINGS} more, listed in report.json.`);
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
  if (r.removed.count > 0) {
    out.push(`### Lines removed (${r.removed.count})`, '');
    out.push('Whisper repeated itself or wrote words nobody said here; they are left out of the transcript (transcript.json keeps them under `removed`).', '');
    out.push('| When | Speaker | Text | Why |', '|---|---|---|---|');
    for (const x of r.removed.list.slice(0, LISTED_PASSAGES)) out.push(`| ${span(x)} | ${cell(x.speaker ?? '—')} | ${cell(x.text)} | ${REMOVAL_REASONS[x.reason]} |`);
    if (r.removed.count > LISTED_PASSAGES) out.push('', `… and ${r.removed.count - LISTED_PASSAGES} more, listed in transcript.json.`);
    out.push('');
  }
  if (r.loopRetries.length > 0) {
    out.push(`### Loops transcribed again (${r.loopRetries.length})`, '');
    out.push('Whisper looped on these spans; each was transcribed once more, without the text before it as context.', '');
    for (const x of r.loopRetries) {
      out.push(`- ${span(x)}: ${x.kept === 'second' ? 'the second transcription was kept' : 'it looped again: the first was kept, and its repetitions removed'}`);
    }
    out.push('');
  }
  if (r.toCheck.count > 0) {
    out.push(`### Names to check (${r.toCheck.count})`, '');
    out.push('These sound somewhat like a glossary name, not enough to be changed. Where one is that name, add it to the name\'s aliases in context.yaml (`{ name: Sylvaëlle, aliases: [Sylvaël] }`) and the next run spells it right.', '');
    out.push('| When | Speaker | Heard | Likely name |', '|---|---|---|---|');
    for (const x of r.toCheck.list.slice(0, LISTED_PASSAGES)) out.push(`| ${span(x)} | ${cell(x.speaker ?? '—')} | ${cell(x.text)} | ${cell(x.likely)} |`);
    if (r.toCheck.count > LISTED_PASSAGES) out.push('', `… and ${r.toCheck.count - LISTED_PASSAGES} more, listed in transcript.json.`);
    out.push('');
  }
  if (r.unmatchedClusters.length > 0) {
    out.push(`### Speakers without a name (${r.unmatchedClusters.length})`, '');
    for (const cluster of r.unmatchedClusters) {
      const s = r.speakers.find((x) => x.cluster === cluster);
      const talk = s ? ` (${clock(s.talkSeconds)} of talk)` : '';
      const lines = s?.lines ?? [];
      out.push(`- ${cluster}${talk}: add a voice sample for this person, or name them in context.yaml under \`overrides.speakers.${cluster}\`.${lines.length > 0 ? ' Their longest lines, to tell who it is:' : ''}`);
      for (const l of lines) out.push(`  - ${clock(Math.floor(l.start))} ${md(l.text)}`);
      if (s?.clip) {
        out.push(`  - Their voice from this session is in \`${s.clip}\` (beside this report, and in the zip): put it in context/voices/ and list it under their name in context.yaml (\`voice_samples: [voices/${s.clip}]\`), and the next session names them by it.`);
      }
    }
    out.push('');
  }
  if (r.trackSuggestions.length > 0) {
    out.push(`### Tracks without a name (${r.trackSuggestions.length})`, '');
    out.push('Their lines carry the recorder\'s label. To name them, add these speakers to context.yaml (change `name`), then run again:', '');
    out.push('```yaml', 'speakers:', ...r.trackSuggestions, '```', '');
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
  if (r.tracks.length > 0) {
    out.push('### Tracks', '', 'Speech found on each track, and what of it was other players heard through that track (bleed or echo, left out).', '');
    out.push('| File | Label | Name | Named by | Starts at | Length | Speech | Kept | Bleed |', '|---|---|---|---|---|---|---|---|---|');
    for (const t of r.tracks) {
      out.push(`| ${cell(t.file)} | ${cell(t.label)} | ${cell(t.name)} | ${t.namedBy} | ${clock(t.offset)} | ${clock(t.duration)} | ${clock(t.speechSeconds)} | ${clock(t.keptSeconds)} | ${clock(t.bleedSeconds)} |`);
    }
    out.push('');
  }
  if (r.markers.length > 0) {
    out.push('### Notes', '');
    for (const m of r.markers) out.push(`- ${clock(m.time)} ${md(m.text)}`);
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
    out.push(`### Glossary corrections (${r.corrections.count})`, '', glossary.map(([name, n]) => `${md(name)} ×${n}`).join(', '), '');
    out.push('| When | Speaker | Heard | Written | Why |', '|---|---|---|---|---|');
    for (const c of r.corrections.list.slice(0, LISTED_PASSAGES)) {
      out.push(`| ${span(c)} | ${cell(c.speaker ?? '—')} | ${cell(c.before)} | ${cell(c.after)} | ${cell(c.reason === 'alias' ? `${c.detail ?? 'an alias'}` : `sounds like it: ${c.detail ?? ''}`)} |`);
    }
    if (r.corrections.count > LISTED_PASSAGES) out.push('', `… and ${r.corrections.count - LISTED_PASSAGES} more, listed in transcript.json.`);
    out.push('');
  }
  if (r.prompt) {
    out.push("### Whisper's prompt", '');
    out.push(`Every 30 s window was given the glossary's names, within Whisper's budget: at most ${r.prompt.tokens} of ${r.prompt.budget} tokens, over ${plural(r.prompt.chunks, 'chunk')}.`);
    if (r.prompt.leftOut.length > 0) {
      const names = r.prompt.leftOut.slice(0, LISTED_NAMES).map((n) => `${md(n.name)}${n.chunks < r.prompt!.chunks ? ` (${n.chunks} of ${r.prompt!.chunks} chunks)` : ''}`);
      const more = r.prompt.leftOut.length > LISTED_NAMES ? `, and ${r.prompt.leftOut.length - LISTED_NAMES} more (report.json)` : '';
      out.push('', `Left out for lack of room (the players go first, then the characters and places named in the chunk before): ${names.join(', ')}${more}. They are still corrected afterwards; to give Whisper other names, shorten the glossary.`);
    }
    out.push('');
  }
  if (r.recap) out.push('### Recap', '', ...recapDetails(r.recap), '');
  out.push('### Stages', '', '| Stage | Seconds |', '|---|---|');
  for (const s of r.stages) out.push(`| ${s.stage} | ${s.seconds.toFixed(1)} |`);
  out.push('', '### Engines', '', `- ASR: ${md(r.engines.asr)}`, `- VAD: ${md(r.engines.vad)}`);
  if (r.engines.embedder) out.push(`- Speaker embeddings: ${md(r.engines.embedder)}`);
  if (r.engines.embedder && isModelFree(r.engines.embedder)) {
    out.push('', `The model-free speaker embedder tells generated and close-miked voices apart but confuses real voices recorded from the middle of a table; for the neural one (what the cloud image uses), ${SPEAKER_MODEL_HINT}.`);
  }
  return out;
}

function recapDetails(recap: NonNullable<Report['recap']>): string[] {
  const status = { written: 'written (recap.md)', failed: 'not written', skipped: 'skipped' }[recap.status];
  const cost = recap.costUsd !== undefined ? `, about $${recap.costUsd.toFixed(recap.costUsd < 0.1 ? 4 : 2)}` : ', cost not estimated (no list price known for this model)';
  const lines = [
    `- ${status} by ${md(recap.model)}${recap.reason ? `: ${md(recap.reason)}` : ''}`,
    `- ${plural(recap.requests, 'request')}${recap.parts > 1 ? ` (the transcript in ${recap.parts} parts, then their recaps together)` : ''}, ${recap.tokensIn} tokens in, ${recap.tokensOut} out${recap.requests > 0 ? cost : ''}`,
  ];
  if (recap.dropped.quotes > 0 || recap.dropped.times > 0) {
    lines.push(`- Left out as invented: ${plural(recap.dropped.quotes, 'quote')} not in the transcript near their time, ${plural(recap.dropped.times, 'time')} past the end of the session`);
  }
  return lines;
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
