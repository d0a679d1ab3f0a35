import { z } from 'zod';
import { describeIssues } from './unknown-keys.js';
import { InputError } from '../errors.js';

/**
 * The completion message the job (or the trigger, for a refused session) publishes on Pub/Sub, and the mailer reads.
 * Versioned: a consumer refuses a version it does not know instead of guessing.
 */
export const COMPLETION_VERSION = 1;
export const RUN_STATUSES = ['succeeded', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Where a run can stop: the trigger's checks, the deployment, then the job's stages in the order they run. */
export const STAGES = ['trigger', 'config', 'fetch', 'decode', 'vad', 'chunk', 'speakers', 'asr', 'merge', 'glossary', 'recap', 'render', 'archive', 'upload', 'publish'] as const;
export type Stage = (typeof STAGES)[number];

/** Stage names of earlier versions of the job, still read in messages and status files they wrote. */
const LEGACY_STAGES: Record<string, Stage> = { diarize: 'speakers', identify: 'speakers' };
export const stageSchema = z.preprocess((v) => (typeof v === 'string' && Object.hasOwn(LEGACY_STAGES, v) ? LEGACY_STAGES[v] : v), z.enum(STAGES));

/**
 * Bounds that keep every message far below Pub/Sub's 10 MB and an email readable; producers list at most
 * LISTED_PROBLEMS items and say how many more (lib/bounded.ts).
 */
export const COMPLETION_LIMITS = { text: 20_000, line: 4_000, items: 100, recapEvents: 10 } as const;
const line = z.string().max(COMPLETION_LIMITS.line);

export const CompletionMessageSchema = z.object({
  version: z.literal(COMPLETION_VERSION),
  session: z.string().min(1),
  runId: z.string().min(1),
  status: z.enum(RUN_STATUSES),
  recipients: z.array(z.email()).max(COMPLETION_LIMITS.items).default([]),
  outputs: z
    .object({
      prefix: line,
      zip: line.optional(),
      zipBytes: z.number().int().nonnegative().optional(),
      files: z.array(line).max(COMPLETION_LIMITS.items).default([]),
    })
    .optional(),
  stats: z
    .object({
      audioSeconds: z.number().nonnegative(),
      wallSeconds: z.number().nonnegative(),
      /** Parallel tasks the run used (absent: one). */
      tasks: z.number().int().min(1).max(100_000).optional(),
      /** Speech the VAD found; 0 means nothing was transcribed. */
      speechSeconds: z.number().nonnegative().optional(),
      speakers: z.array(z.object({ name: line, talkSeconds: z.number().nonnegative() })).max(COMPLETION_LIMITS.items).default([]),
      skippedFiles: z.array(z.object({ name: line, reason: line })).max(COMPLETION_LIMITS.items).default([]),
    })
    .optional(),
  /** The start of the session's recap, for the email's body (recap.md beside the outputs has all of it). */
  recap: z
    .object({
      previously: line,
      events: z.array(z.object({ time: z.number().nonnegative(), text: line })).max(COMPLETION_LIMITS.recapEvents).default([]),
    })
    .optional(),
  /** What the group should know about a finished run: a context that was not used, no speech found… */
  warnings: z.array(line).max(COMPLETION_LIMITS.items).default([]),
  error: z
    .object({
      stage: stageSchema,
      message: z.string().max(COMPLETION_LIMITS.text),
      hint: line.optional(),
    })
    .optional(),
  finishedAt: z.iso.datetime(),
});
export type CompletionMessage = z.output<typeof CompletionMessageSchema>;
export type CompletionInput = z.input<typeof CompletionMessageSchema>;

export function parseCompletionMessage(data: unknown, source = 'completion message'): CompletionMessage {
  const result = CompletionMessageSchema.safeParse(data);
  if (!result.success) {
    throw new InputError(`${source} is invalid: ${describeIssues(result.error).join('; ')}`, source);
  }
  if (result.data.status === 'failed' && !result.data.error) {
    throw new InputError(`${source} is invalid: a failed run must carry an error`, source);
  }
  return result.data;
}
