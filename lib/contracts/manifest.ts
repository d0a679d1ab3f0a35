import * as yaml from 'js-yaml';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { describeIssues, unknownKeys } from './unknown-keys.js';
import { isBlankYaml } from './context.js';

/**
 * `sessions/<S>/_READY`: the marker that starts a run. JSON or YAML; an empty file means "defaults for everything".
 *
 * ```yaml
 * recipients: [alice@example.org]
 * languages: [fr, en]          # primary first; two or more turns on per-chunk language detection
 * context: context/context.yaml
 * files:                       # the trigger waits for (refuses without) every listed file
 *   - { name: part1.m4a, size: 123456789 }
 * mode: mixed                  # mixed: consecutive parts of one recording; multitrack: one file per speaker
 * model: large-v3
 * min_speakers: 3
 * max_speakers: 6
 * ```
 */
export const SESSION_MODES = ['mixed', 'multitrack'] as const;
export type SessionMode = (typeof SESSION_MODES)[number];

const lang = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z]{2,3}$/, 'must be a language code such as "fr" or "en"');

export const ManifestFileSchema = z.object({
  name: z.string().trim().min(1),
  size: z.number().int().nonnegative().optional(),
  // YAML reads an all-digit value as a number; a checksum is text either way.
  md5: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string()).optional(),
});

export const ManifestSchema = z
  .object({
    recipients: z.array(z.email('must be an email address')).default([]),
    languages: z.array(lang).min(1).max(4).optional(),
    context: z.string().trim().min(1).optional(),
    files: z.array(ManifestFileSchema).default([]),
    mode: z.enum(SESSION_MODES).default('mixed'),
    model: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'must be a model name such as "large-v3-turbo"')
      .optional(),
    min_speakers: z.number().int().min(1).max(20).optional(),
    max_speakers: z.number().int().min(1).max(20).optional(),
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

/** Parses `_READY` text (JSON is YAML, so one parser serves both). */
export function parseManifest(text: string, source = '_READY'): ParsedManifest {
  let data: unknown;
  try {
    data = isBlankYaml(text) ? {} : yaml.load(text);
  } catch (err) {
    throw new InputError(`${source} is neither valid JSON nor valid YAML: ${(err as Error).message}`, source, {
      cause: err,
    });
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new InputError(`${source} must be a mapping of fields (or empty), not ${Array.isArray(data) ? 'a list' : typeof data}`, source);
  }
  const result = ManifestSchema.safeParse(data);
  if (!result.success) {
    throw new InputError(
      `${source} is invalid:\n${describeIssues(result.error)
        .map((l) => `  - ${l}`)
        .join('\n')}`,
      source,
    );
  }
  const warnings = unknownKeys(ManifestSchema, data).map((k) => `${source}: unknown field "${k}" was ignored`);
  return { manifest: result.data, warnings };
}
