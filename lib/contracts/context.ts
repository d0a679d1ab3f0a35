import * as yaml from 'js-yaml';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { describeIssues, unknownKeys } from './unknown-keys.js';

/**
 * `context.yaml`: what the group knows about its session. Every part is optional; an empty file is valid.
 *
 * ```yaml
 * speakers:
 *   - id: alice
 *     name: Alice            # shown in transcripts; defaults to id
 *     nicknames: [Ali, "la MJ"]
 *     voice_samples: [voices/alice-1.wav, voices/alice-2.wav]   # relative to the context file
 * glossary:
 *   characters: [Eldrin, { name: "Kael'thas", aliases: [Kaeltas, Kael tas] }]
 *   places: [Port-Sombre]
 *   terms: [jet de sauvegarde]
 * overrides:
 *   speakers: { SPK1: Alice }
 * ```
 */
const name = z.string().trim().min(1, 'must not be empty');

export const GlossaryEntrySchema = z.union([
  name,
  z.object({
    name,
    aliases: z.array(name).default([]),
    description: z.string().optional(),
  }),
]);
export type GlossaryEntryInput = z.input<typeof GlossaryEntrySchema>;

export interface GlossaryEntry {
  name: string;
  aliases: string[];
  kind: 'characters' | 'places' | 'terms';
}

export const SpeakerSchema = z.object({
  id: name,
  name: name.optional(),
  nicknames: z.array(name).default([]),
  voice_samples: z.array(name).default([]),
});

export const SessionContextSchema = z.object({
  speakers: z.array(SpeakerSchema).default([]),
  glossary: z
    .object({
      characters: z.array(GlossaryEntrySchema).default([]),
      places: z.array(GlossaryEntrySchema).default([]),
      terms: z.array(GlossaryEntrySchema).default([]),
    })
    .default({ characters: [], places: [], terms: [] }),
  overrides: z
    .object({
      speakers: z.record(z.string(), name).default({}),
    })
    .default({ speakers: {} }),
});
export type SessionContext = z.output<typeof SessionContextSchema>;
export type ContextSpeaker = z.output<typeof SpeakerSchema>;

export interface ParsedContext {
  context: SessionContext;
  warnings: string[];
}

export const EMPTY_CONTEXT: SessionContext = SessionContextSchema.parse({});

/** Parses the text of a context.yaml. `source` names the file in every message. */
export function parseSessionContext(text: string, source = 'context.yaml'): ParsedContext {
  let data: unknown;
  try {
    data = isBlankYaml(text) ? null : yaml.load(text);
  } catch (err) {
    throw new InputError(`${source} is not valid YAML: ${(err as Error).message}`, source, { cause: err });
  }
  if (data === undefined || data === null) return { context: EMPTY_CONTEXT, warnings: [] };
  const result = SessionContextSchema.safeParse(data);
  if (!result.success) {
    throw new InputError(
      `${source} is invalid:\n${describeIssues(result.error)
        .map((l) => `  - ${l}`)
        .join('\n')}\nFix these fields (see context/context.yaml for an example) and upload it again.`,
      source,
    );
  }
  const warnings = unknownKeys(SessionContextSchema, data).map(
    (key) => `${source}: unknown key "${key}" was ignored (known keys: speakers, glossary, overrides)`,
  );
  const ids = new Set<string>();
  for (const s of result.data.speakers) {
    if (ids.has(s.id)) warnings.push(`${source}: speaker id "${s.id}" appears twice; the first one is used`);
    ids.add(s.id);
  }
  return { context: result.data, warnings };
}

/** The glossary flattened into entries with their kind, in file order. */
export function glossaryEntries(context: SessionContext): GlossaryEntry[] {
  const kinds = ['characters', 'places', 'terms'] as const;
  return kinds.flatMap((kind) =>
    context.glossary[kind].map((e) =>
      typeof e === 'string' ? { name: e, aliases: [], kind } : { name: e.name, aliases: e.aliases, kind },
    ),
  );
}

/** Display name of a context speaker. */
export function speakerName(s: ContextSpeaker): string {
  return s.name ?? s.id;
}

/** Empty or comments only: js-yaml 5 refuses such input, but for us it simply means "nothing to say". */
export function isBlankYaml(text: string): boolean {
  return text.split('\n').every((line) => /^\s*(#.*)?$/.test(line));
}
