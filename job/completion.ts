import { COMPLETION_VERSION, type CompletionMessage, type Stage } from '../lib/contracts/completion.js';
import type { RunOutcome } from './run.js';
import type { Transcript } from './transcript.js';

/** The completion messages the job publishes, built from what the run produced or how it failed. */
export interface RunIdentity {
  session: string;
  runId: string;
  recipients: string[];
}

export function successMessage(run: RunIdentity, outcome: RunOutcome, outputPrefix: string, now = new Date()): CompletionMessage {
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
      speakers: talkTimes(transcript),
      skippedFiles: outputs.report.skipped.map((s) => ({ name: s.name, reason: s.reason })),
    },
    finishedAt: now.toISOString(),
  };
}

export function failureMessage(run: RunIdentity, stage: Stage, message: string, hint?: string, now = new Date()): CompletionMessage {
  return {
    version: COMPLETION_VERSION,
    ...run,
    status: 'failed',
    error: { stage, message, ...(hint ? { hint } : {}) },
    finishedAt: now.toISOString(),
  };
}

/** Talk time per speaker: the diarizer's summary when there is one, else the segments' own speaker labels. */
export function talkTimes(t: Transcript): Array<{ name: string; talkSeconds: number }> {
  if (t.speakers.length > 0) return t.speakers.map((s) => ({ name: s.name, talkSeconds: round(s.talkSeconds) }));
  const totals = new Map<string, number>();
  for (const s of t.segments) if (s.speaker) totals.set(s.speaker, (totals.get(s.speaker) ?? 0) + Math.max(0, s.end - s.start));
  return [...totals.entries()].map(([name, seconds]) => ({ name, talkSeconds: round(seconds) }));
}

const round = (x: number) => Math.round(x * 10) / 10;
