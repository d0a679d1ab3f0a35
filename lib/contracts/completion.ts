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

export const STAGES = [
  'trigger',
  'config',
  'fetch',
  'decode',
  'vad',
  'chunk',
  'asr',
  'merge',
  'diarize',
  'identify',
  'glossary',
  'render',
  'archive',
  'upload',
  'publish',
] as const;
export type Stage = (typeof STAGES)[number];

export const CompletionMessageSchema = z.object({
  version: z.literal(COMPLETION_VERSION),
  session: z.string().min(1),
  runId: z.string().min(1),
  status: z.enum(RUN_STATUSES),
  recipients: z.array(z.email()).default([]),
  outputs: z
    .object({
      prefix: z.string(),
      zip: z.string().optional(),
      zipBytes: z.number().int().nonnegative().optional(),
      files: z.array(z.string()).default([]),
    })
    .optional(),
  stats: z
    .object({
      audioSeconds: z.number().nonnegative(),
      wallSeconds: z.number().nonnegative(),
      speakers: z.array(z.object({ name: z.string(), talkSeconds: z.number().nonnegative() })).default([]),
      skippedFiles: z.array(z.object({ name: z.string(), reason: z.string() })).default([]),
    })
    .optional(),
  error: z
    .object({
      stage: z.enum(STAGES),
      message: z.string(),
      hint: z.string().optional(),
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
