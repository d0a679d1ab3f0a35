import { z } from 'zod';
import { RecapModelError } from '../engines/recap-model.js';

/**
 * What the recap's model is asked to answer, as a JSON Schema (Vertex AI's `responseJsonSchema`, OpenAI's
 * `response_format: json_schema`, strict: every object closed, every key required), and the parser of its answer.
 * The answer comes from outside, so it is bounded before it is parsed and cut to size after: a model that writes 400
 * events gets the first ones kept, not a refused recap. Times stay text here (the model copies them from the
 * transcript's `[H:MM:SS]`); job/recap/verify.ts reads and checks them.
 */
export const RECAP_LIMITS = {
  answerBytes: 512 * 1024,
  paragraphChars: 3000,
  itemChars: 600,
  nameChars: 200,
  events: 40,
  entries: 40,
  threads: 20,
  quotes: 12,
} as const;

const text = (description: string) => ({ type: 'string', description });
const entry = (what: string) => ({
  type: 'object',
  properties: { name: text(`the ${what}'s name, spelt as the glossary spells it`), note: text('one short sentence: what it is, what happened with it') },
  required: ['name', 'note'],
  additionalProperties: false,
});
const timed = (properties: Record<string, unknown>) => ({
  type: 'object',
  properties: { time: text('H:MM:SS, the time of the transcript line it comes from'), ...properties },
  required: ['time', ...Object.keys(properties)],
  additionalProperties: false,
});

export const RECAP_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    previously: text('"Previously on…": the session in one paragraph, for someone who missed it'),
    events: { type: 'array', description: 'the key events, in order', items: timed({ text: text('what happened, in one sentence') }) },
    characters: { type: 'array', description: 'characters who appear or are met', items: entry('character') },
    places: { type: 'array', description: 'places visited or that matter', items: entry('place') },
    items: { type: 'array', description: 'items and loot: found, bought, given, lost; who has them', items: entry('item') },
    threads: { type: 'array', description: 'open threads: questions, quests, promises left for next time', items: text('one open thread') },
    quotes: { type: 'array', description: 'memorable lines, copied word for word from the transcript', items: timed({ speaker: text('who said it, as the transcript names them'), text: text('the exact words') }) },
  },
  required: ['previously', 'events', 'characters', 'places', 'items', 'threads', 'quotes'],
  additionalProperties: false,
};

/** A time as the model gives it: "1:02:03", "[01:02:03]", "62:03", or seconds. */
const time = z.union([z.string().max(40), z.number()]);
const str = (max: number) => z.string().transform((s) => s.replace(/\s+/g, ' ').trim().slice(0, max));
/** A list whose broken items are left out (one event without text costs that event, not the recap), then cut to `max`. */
const list = <T extends z.ZodType>(item: T, max: number) =>
  z
    .array(z.unknown())
    .catch([])
    .transform((a) =>
      a
        .slice(0, 4 * max)
        .flatMap((x) => {
          const parsed = item.safeParse(x);
          return parsed.success ? [parsed.data as z.output<T>] : [];
        })
        .slice(0, max),
    );
const namedEntry = z.object({ name: str(RECAP_LIMITS.nameChars), note: str(RECAP_LIMITS.itemChars).optional().catch(undefined) });

const AnswerSchema = z.object({
  previously: str(RECAP_LIMITS.paragraphChars),
  events: list(z.object({ time, text: str(RECAP_LIMITS.itemChars) }), RECAP_LIMITS.events),
  characters: list(namedEntry, RECAP_LIMITS.entries),
  places: list(namedEntry, RECAP_LIMITS.entries),
  items: list(namedEntry, RECAP_LIMITS.entries),
  threads: list(str(RECAP_LIMITS.itemChars), RECAP_LIMITS.threads),
  quotes: list(z.object({ time, speaker: str(RECAP_LIMITS.nameChars).optional().catch(undefined), text: str(RECAP_LIMITS.itemChars) }), RECAP_LIMITS.quotes),
});
export type RecapDraft = z.output<typeof AnswerSchema>;

/**
 * The model's answer as a draft recap, or a 'malformed' RecapModelError saying what was wrong. Local models wrap
 * JSON in a Markdown fence now and then; that much is forgiven.
 */
export function parseRecapAnswer(answer: string): RecapDraft {
  if (Buffer.byteLength(answer) > RECAP_LIMITS.answerBytes) throw new RecapModelError('malformed', `the answer is larger than ${RECAP_LIMITS.answerBytes / 1024} KB`);
  const unfenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(answer)?.[1] ?? answer;
  let data: unknown;
  try {
    data = JSON.parse(unfenced);
  } catch (err) {
    throw new RecapModelError('malformed', `the answer is not JSON (${(err as Error).message.slice(0, 120)}): ${JSON.stringify(answer.slice(0, 80))}`);
  }
  const result = AnswerSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new RecapModelError('malformed', `the answer does not follow the schema (${issue.path.join('.') || 'top level'}: ${issue.message})`);
  }
  if (!result.data.previously && result.data.events.length === 0) throw new RecapModelError('malformed', 'the answer is empty: no paragraph and no event');
  return result.data;
}
