import { boundedList, boundedText, LISTED_PROBLEMS } from '../lib/bounded.js';
import { COMPLETION_LIMITS, COMPLETION_VERSION, type CompletionMessage, type Stage } from '../lib/contracts/completion.js';
import type { RunOutcome } from './run.js';
import type { Recap, Transcript } from './transcript.js';
import { roundTo } from './round.js';

/** The completion messages the job publishes, built from what the run produced or how it failed. */
export interface RunIdentity {
  session: string;
  runId: string;
  recipients: string[];
}

export function successMessage(run: RunIdentity, outcome: RunOutcome, outputPrefix: string, options: { tasks?: number; now?: Date } = {}): CompletionMessage {
  const now = options.now ?? new Date();
  const { transcript, outputs } = outcome;
  return {
    version: COMPLETION_VERSION,
    ...run,
    status: 'succeeded',
    outputs: {
      prefix: outputPrefix,
      zip: outputs.zip.uri,
      zipBytes: outputs.zip.size,
      files: outputs.files.map((f) => f.uri),
    },
    stats: {
      audioSeconds: transcript.duration,
      wallSeconds: outcome.wallSeconds,
      ...(options.tasks && options.tasks > 1 ? { tasks: options.tasks } : {}),
      speechSeconds: roundTo(outcome.speechSeconds, 1),
      speakers: talkTimes(transcript),
      skippedFiles: skippedFiles(outputs.report.skipped),
    },
    ...(transcript.recap ? { recap: recapExcerpt(transcript.recap) } : {}),
    warnings: boundedList(outcome.warnings, LISTED_PROBLEMS, (n) => `… and ${n} more in report.md`).map(line),
    finishedAt: now.toISOString(),
  };
}

/** Events the email's body shows; recap.md, attached, has the rest. */
export const EMAILED_RECAP_EVENTS = 5;

/** The paragraph and the first events, for the email's body. */
function recapExcerpt(recap: Recap): NonNullable<CompletionMessage['recap']> {
  return {
    previously: line(recap.previously),
    events: recap.events.slice(0, Math.min(EMAILED_RECAP_EVENTS, COMPLETION_LIMITS.recapEvents)).map((e) => ({ time: roundTo(e.time, 3), text: line(e.text) })),
  };
}

export function failureMessage(run: RunIdentity, stage: Stage, message: string, hint?: string, now = new Date()): CompletionMessage {
  return {
    version: COMPLETION_VERSION,
    ...run,
    status: 'failed',
    warnings: [],
    error: { stage, message: boundedText(message, COMPLETION_LIMITS.text), ...(hint ? { hint: line(hint) } : {}) },
    finishedAt: now.toISOString(),
  };
}

/** Talk time per speaker: the diarizer's summary when there is one, else the segments' own speaker labels. */
export function talkTimes(t: Transcript): Array<{ name: string; talkSeconds: number }> {
  if (t.speakers.length > 0) return t.speakers.map((s) => ({ name: s.name, talkSeconds: roundTo(s.talkSeconds, 1) }));
  const totals = new Map<string, number>();
  for (const s of t.segments) if (s.speaker) totals.set(s.speaker, (totals.get(s.speaker) ?? 0) + Math.max(0, s.end - s.start));
  return [...totals.entries()].map(([name, seconds]) => ({ name, talkSeconds: roundTo(seconds, 1) }));
}


/** The first skipped files, then one entry counting the rest (the report lists them all). */
function skippedFiles(skipped: ReadonlyArray<{ name: string; reason: string }>): Array<{ name: string; reason: string }> {
  const listed = skipped.slice(0, LISTED_PROBLEMS).map((s) => ({ name: line(s.name), reason: line(s.reason) }));
  if (skipped.length > LISTED_PROBLEMS) listed.push({ name: `… and ${skipped.length - LISTED_PROBLEMS} more`, reason: 'listed in report.md' });
  return listed;
}

const line = (text: string) => boundedText(text, COMPLETION_LIMITS.line);
