import { z } from 'zod';
import { boundedList } from '../bounded.js';
import { InputError } from '../errors.js';
import { describeIssues, unknownKeys } from './unknown-keys.js';
import { DEFAULT_YAML_LIMITS, loadBoundedYaml } from './yaml.js';

/**
 * `context.yaml`: what the group knows about its session. Every part is optional; an empty file is valid.
 *
 * ```yaml
 * speakers:
 *   - id: alice
 *     name: Alice            # shown in transcripts; defaults to id
 *     nicknames: [Ali, "la MJ"]
 *     voice_samples: [voices/alice-1.wav, voices/alice-2.wav]   # relative to the context file
 *     tracks: [alice_0, "123456789012345678"]   # multitrack: her Discord username or id, or her track's label
 *     character: Eldrin      # who she plays (the recap says who did what)
 * glossary:
 *   characters: [Eldrin, { name: "Kael'thas", aliases: [Kaeltas, Kael tas] }]
 *   places: [Port-Sombre]
 *   terms: [jet de sauvegarde]
 * overrides:
 *   speakers: { SPK1: Alice }
 * ```
 *
 * Bounded: the file's size, its YAML (aliases, depth, values), every list and every name have limits, each refused
 * with a message naming the field and the limit, so that no context can cost the trigger or the job more than a
 * moment and a few megabytes.
 */
export const CONTEXT_LIMITS = {
  bytes: 1024 * 1024,
  speakers: 50,
  nicknames: 20,
  voiceSamples: 10,
  tracks: 20,
  /** Per kind (characters, places, terms). */
  glossaryEntries: 2000,
  aliases: 50,
  overrides: 100,
  nameChars: 200,
  descriptionChars: 2000,
  /** Warnings listed (unknown keys, duplicates); the rest are counted. */
  warnings: 20,
} as const;

const name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(CONTEXT_LIMITS.nameChars, `must be at most ${CONTEXT_LIMITS.nameChars} characters`);

/** A list of at most `max` items, whose refusal says how many were found and what the limit is. */
function list<T extends z.ZodType>(item: T, max: number, what: string) {
  return z.array(item).max(max, {
    error: (issue) => `at most ${max} ${what} (found ${Array.isArray(issue.input) ? issue.input.length : 'more'}); keep the ones this session needs`,
  });
}

export const GlossaryEntrySchema = z.union([
  name,
  z.object({
    name,
    aliases: list(name, CONTEXT_LIMITS.aliases, 'aliases').default([]),
    description: z.string().max(CONTEXT_LIMITS.descriptionChars, `must be at most ${CONTEXT_LIMITS.descriptionChars} characters`).optional(),
  }),
]);
export type GlossaryEntryInput = z.input<typeof GlossaryEntrySchema>;

export interface GlossaryEntry {
  name: string;
  aliases: string[];
  kind: 'characters' | 'places' | 'terms';
}

/**
 * A track's name in `tracks:`: text, or a number as YAML reads a Discord id, which must then be exact: ids have 18-19
 * digits and YAML rounds those (123456789012345678 becomes 123456789012345680), so they must be quoted.
 */
const trackName = z.preprocess(
  (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v),
  z.string({ error: (issue) => (typeof issue.input === 'number' ? 'a Discord id must be written in quotes ("123456789012345678"): YAML rounds long numbers' : 'must be a name or an id') }).pipe(name),
);

export const SpeakerSchema = z.object({
  id: name,
  name: name.optional(),
  nicknames: list(name, CONTEXT_LIMITS.nicknames, 'nicknames').default([]),
  voice_samples: list(name, CONTEXT_LIMITS.voiceSamples, 'voice samples').default([]),
  /** Multitrack sessions: the tracks that are this speaker's (Discord usernames or ids, file-name labels). */
  tracks: list(trackName, CONTEXT_LIMITS.tracks, 'tracks').default([]),
  /** The character this player plays, for the recap (a game master leaves it out). */
  character: name.optional(),
});

const glossaryList = list(GlossaryEntrySchema, CONTEXT_LIMITS.glossaryEntries, 'entries').default([]);

export const SessionContextSchema = z.object({
  speakers: list(SpeakerSchema, CONTEXT_LIMITS.speakers, 'speakers').default([]),
  glossary: z
    .object({ characters: glossaryList, places: glossaryList, terms: glossaryList })
    .default({ characters: [], places: [], terms: [] }),
  overrides: z
    .object({
      speakers: z
        .record(z.string().max(CONTEXT_LIMITS.nameChars), name)
        .refine((r) => Object.keys(r).length <= CONTEXT_LIMITS.overrides, `at most ${CONTEXT_LIMITS.overrides} overrides`)
        .default({}),
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

/** Parses the text (or bytes) of a context.yaml. `source` names the file in every message. */
export function parseSessionContext(text: string | Buffer, source = 'context.yaml'): ParsedContext {
  const data = loadBoundedYaml(text, source, { maxBytes: CONTEXT_LIMITS.bytes, ...DEFAULT_YAML_LIMITS });
  if (data === undefined || data === null) return { context: EMPTY_CONTEXT, warnings: [] };
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new InputError(`${source} must be a mapping with speakers, glossary and overrides (see context/context.yaml), not ${Array.isArray(data) ? 'a list' : typeof data}`, source);
  }
  const result = SessionContextSchema.safeParse(data);
  if (!result.success) {
    throw new InputError(
      `${source} is invalid:\n${boundedList(describeIssues(result.error), CONTEXT_LIMITS.warnings)
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
  return { context: result.data, warnings: boundedList(warnings, CONTEXT_LIMITS.warnings, (n) => `${source}: … and ${n} more warnings`) };
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

/**
 * The table's own names, which count as glossary names (Whisper's prompt, the glossary's corrections): every player's
 * name and nicknames, and the characters they play (`character:`).
 */
export function tableNames(context: SessionContext): { players: string[]; characters: string[] } {
  return {
    players: context.speakers.flatMap((s) => [speakerName(s), ...s.nicknames]),
    characters: context.speakers.flatMap((s) => (s.character ? [s.character] : [])),
  };
}
