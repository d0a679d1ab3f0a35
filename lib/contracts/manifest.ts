import { z } from 'zod';
import { boundedList } from '../bounded.js';
import { InputError } from '../errors.js';
import { languageCode } from './language.js';
import { describeIssues, unknownKeys } from './unknown-keys.js';
import { DEFAULT_YAML_LIMITS, loadBoundedYaml } from './yaml.js';

/**
 * `sessions/<S>/_READY`: the marker that starts a run. JSON or YAML; an empty file means "defaults for everything".
 *
 * ```yaml
 * recipients: [alice@example.org]
 * languages: [fr, en]          # primary first; two or more turns on per-chunk language detection
 * context: context/context.yaml
 * files:                       # the trigger waits for (refuses without) every listed file
 *   - { name: part1.m4a, size: 123456789 }
 *   - { name: tascam.wav, offset: 1.5 }   # multitrack: where this file starts on the session's timeline, seconds
 * mode: multitrack             # mixed: consecutive parts of one recording; multitrack: one track per speaker;
 *                              # unset: multitrack for a Craig recording (zip or info.txt), mixed otherwise
 * model: large-v3
 * min_speakers: 3
 * max_speakers: 6
 * vad_threshold: 0.3           # lower finds quieter speech (default 0.5)
 * vad_faint_db: 40             # keep speech up to 40 dB under the table's (default 25): a player far from the phone
 * tasks: 4                     # parallel tasks (default and at most: the deployment's max_parallel_tasks)
 * recap: true                  # a recap by Gemini on Vertex AI for this session (default: the deployment's `recap`)
 * ```
 *
 * Bounded like context.yaml: its size, its YAML, and every list, refused with the field and the limit.
 */
export const SESSION_MODES = ['mixed', 'multitrack'] as const;
export type SessionMode = (typeof SESSION_MODES)[number];

export const MANIFEST_LIMITS = {
  bytes: 256 * 1024,
  files: 2000,
  recipients: 50,
  pathChars: 1024,
  warnings: 20,
  /** A file's offset on the timeline: a day at most. */
  offsetSeconds: 86_400,
} as const;

const path = z.string().trim().min(1).max(MANIFEST_LIMITS.pathChars, `must be at most ${MANIFEST_LIMITS.pathChars} characters`);

export const ManifestFileSchema = z.object({
  name: path,
  size: z.number().int().nonnegative().optional(),
  // YAML reads an all-digit value as a number; a checksum is text either way.
  md5: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().max(64)).optional(),
  /** Multitrack sessions: where the file starts on the session's timeline (recorders started at different times). */
  offset: z.number().min(0, 'must be 0 or more seconds').max(MANIFEST_LIMITS.offsetSeconds, `must be at most ${MANIFEST_LIMITS.offsetSeconds} seconds`).optional(),
});

const count = (max: number, what: string) => ({
  error: (issue: { input?: unknown }) => `at most ${max} ${what} (found ${Array.isArray(issue.input) ? issue.input.length : 'more'})`,
});

export const ManifestSchema = z
  .object({
    recipients: z.array(z.email('must be an email address')).max(MANIFEST_LIMITS.recipients, count(MANIFEST_LIMITS.recipients, 'recipients')).default([]),
    languages: z.array(languageCode).min(1).max(4).optional(),
    context: path.optional(),
    files: z.array(ManifestFileSchema).max(MANIFEST_LIMITS.files, count(MANIFEST_LIMITS.files, 'files')).default([]),
    mode: z.enum(SESSION_MODES, 'must be mixed or multitrack (or left out: the job then decides from the files)').optional(),
    model: z
      .string()
      .max(100)
      .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'must be a model name such as "large-v3-turbo"')
      .optional(),
    min_speakers: z.number().int().min(1).max(20).optional(),
    max_speakers: z.number().int().min(1).max(20).optional(),
    vad_threshold: z.number().min(0.05).max(0.95).optional(),
    vad_faint_db: z.number().min(10).max(120).optional(),
    /** Parallel tasks for this session; the trigger keeps it within the deployment's max_parallel_tasks. */
    tasks: z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100').optional(),
    /** The recap for this session, whatever the deployment's default: true asks Vertex AI for it, false turns it off. */
    recap: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .refine((m) => m.min_speakers === undefined || m.max_speakers === undefined || m.min_speakers <= m.max_speakers, {
    message: 'min_speakers must not exceed max_speakers',
    path: ['min_speakers'],
  });
export type Manifest = z.output<typeof ManifestSchema>;

export interface ParsedManifest {
  manifest: Manifest;
  warnings: string[];
}

/** Parses `_READY` text or bytes (JSON is YAML, so one parser serves both). */
export function parseManifest(text: string | Buffer, source = '_READY'): ParsedManifest {
  let data = loadBoundedYaml(text, source, { maxBytes: MANIFEST_LIMITS.bytes, ...DEFAULT_YAML_LIMITS }, 'is neither valid JSON nor valid YAML');
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new InputError(`${source} must be a mapping of fields (or empty), not ${Array.isArray(data) ? 'a list' : typeof data}`, source);
  }
  const result = ManifestSchema.safeParse(data);
  if (!result.success) {
    throw new InputError(
      `${source} is invalid:\n${boundedList(describeIssues(result.error), MANIFEST_LIMITS.warnings)
        .map((l) => `  - ${l}`)
        .join('\n')}`,
      source,
    );
  }
  const warnings = unknownKeys(ManifestSchema, data).map((k) => `${source}: unknown field "${k}" was ignored`);
  return { manifest: result.data, warnings: boundedList(warnings, MANIFEST_LIMITS.warnings, (n) => `${source}: … and ${n} more unknown fields`) };
}
