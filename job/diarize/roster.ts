import { clock } from '../../lib/units.js';
import type { SpeakerName } from './identify.js';

/**
 * The voices told apart, against the players context.yaml lists: what the report says when they do not add up. On
 * real recordings from the middle of a table the model-free embedder often hears several players as one voice (one
 * speaker in each of the nine real meeting excerpts the tests measure); the transcript then puts one name on every
 * line, and a player who reads it needs to know that, and what to change, rather than trust it. A player may also
 * simply have missed the session, so the message says when there is nothing to do. Pure.
 */
export interface RosterInput {
  /** The speakers context.yaml lists, with whether a usable voice sample of theirs was loaded. */
  listed: ReadonlyArray<{ id: string; name: string; hasSample: boolean }>;
  /** Cluster label → display name, after samples, the sole speaker and overrides. */
  names: ReadonlyMap<string, SpeakerName>;
  /** `max_speakers` from the manifest or the flags. */
  maxSpeakers: number | undefined;
  /** The model-free embedder ran (the neural one tells real voices apart far better). */
  modelFree: boolean;
  /** How to get the neural speaker model, for the message. */
  modelHint: string;
  /** Speech the voices were told apart on, in seconds. */
  talkSeconds: number;
}

/**
 * Past this much talk, one voice alone is unlikely at a table (a game master and players): 10 minutes. A short
 * recording, a voice sample or a test of the tool can well hold one voice.
 */
export const LONE_VOICE_SECONDS = 600;

export function rosterWarnings(input: RosterInput): string[] {
  const { listed, names } = input;
  const voices = names.size;
  // No voice at all: the report already says no speech was found.
  if (voices === 0) return [];
  const heardIds = new Set([...names.values()].map((n) => n.speakerId).filter((id): id is string => id !== undefined));
  const heardNames = new Set([...names.values()].map((n) => n.name));
  const missing = listed.filter((s) => !heardIds.has(s.id) && !heardNames.has(s.name));
  if (voices === 1 && listed.length < 2 && input.talkSeconds >= LONE_VOICE_SECONDS) return [loneVoice(input, [...names.values()][0]!.name)];
  if (missing.length === 0) return [];
  // A max_speakers under the listed count says the table was smaller this time: fewer voices is what was asked.
  const expected = Math.min(listed.length, input.maxSpeakers ?? Infinity);
  if (voices < expected) {
    const steps: string[] = [];
    if (input.modelFree) steps.push(neuralStep(input.modelHint));
    const noSample = missing.filter((s) => !s.hasSample);
    if (noSample.length > 0) steps.push(`add a voice sample for ${list(noSample.map((s) => s.name))} in context.yaml (\`voice_samples\`: 10 to 30 s of each talking alone)`);
    // Forcing the count helps a neural embedder that stopped early; the model-free one cannot tell these voices
    // apart, and forced to find them it mixes them up more (real meetings: DER 25 % → 37 % with the true count).
    if (!input.modelFree) steps.push(`set \`min_speakers: ${expected}\` in _READY (\`--min-speakers ${expected}\` on the command line)`);
    // Somebody spoke: when no listed player has a line, "they were away" cannot be the reason.
    const away = missing.length < listed.length ? ` ${absent(missing)}` : '';
    return [
      `Only ${voices} ${voices === 1 ? 'voice was' : 'voices were'} told apart in this session, but context.yaml lists ${listed.length} speakers: ` +
        `no line is named after ${list(missing.map((s) => s.name))}. If they spoke, their lines are under another speaker's name. ` +
        `To tell them apart, ${steps.join('; ')}; then run again.${away}`,
    ];
  }
  // As many unmatched as max_speakers leaves out: the players who were not there.
  if (missing.length <= listed.length - expected) return [];
  const unnamed = [...names].filter(([, n]) => n.source === 'unmatched').map(([cluster]) => cluster);
  if (unnamed.length > 0) return [likely(unnamed, missing)];
  const sampled = missing.filter((s) => s.hasSample);
  if (sampled.length === 0) return [];
  return [
    `No voice in this session matched the voice sample${sampled.length === 1 ? '' : 's'} of ${list(sampled.map((s) => s.name))}. ` +
      `If they played, their lines are under another name: record a new sample in the same room with the same phone, then run again. ${absent(sampled)}`,
  ];
}

/**
 * Speakers without a name next to listed players without a line: who they likely are, and the very line to add
 * to context.yaml. A guess, so a suggestion: the speaker may be a guest, and the player away.
 */
function likely(unnamed: readonly string[], missing: RosterInput['listed']): string {
  const next: string[] = [];
  const noSample = missing.filter((s) => !s.hasSample);
  const sampled = missing.filter((s) => s.hasSample);
  if (sampled.length > 0) next.push(`the voice sample${sampled.length === 1 ? '' : 's'} of ${list(sampled.map((s) => s.name))} matched no one: a new one recorded in the same room with the same phone names them by itself next time`);
  if (noSample.length > 0) next.push(`a voice sample of ${list(noSample.map((s) => s.name))} would name them by itself next time`);
  const after = ` (${next.join('; ')})`;
  if (unnamed.length === 1 && missing.length === 1) {
    const [cluster, player] = [unnamed[0]!, missing[0]!.name];
    return (
      `${cluster} is likely ${player}, the only speaker context.yaml lists with no line in this session: to name them, add \`${cluster}: ${player}\` under \`overrides.speakers\` in context.yaml, then run again${after}. ` +
      `If ${player} was not at this session, ${cluster} is somebody else: name them the same way.`
    );
  }
  return (
    `${list(unnamed)} ${unnamed.length === 1 ? 'is' : 'are'} likely among ${list(missing.map((s) => s.name))}, the speakers context.yaml lists with no line in this session: ` +
    `to name them, add lines like \`${unnamed[0]}: ${missing[0]!.name}\` under \`overrides.speakers\` in context.yaml, then run again${after}.`
  );
}

/** One voice over a long session, and too few players listed to say who is missing. */
function loneVoice(input: RosterInput, name: string): string {
  const steps: string[] = [];
  if (input.modelFree) steps.push(neuralStep(input.modelHint));
  steps.push('list the players in context.yaml (`speakers:`), each with a voice sample (`voice_samples`: 10 to 30 s of them talking alone)');
  if (!input.modelFree) steps.push('set `min_speakers` in _READY to the number of people at the table (`--min-speakers` on the command line)');
  return (
    `Only one voice was told apart in ${clock(input.talkSeconds)} of talk: every line is ${name}'s. At a table that usually means several people were heard as one voice. ` +
    `To tell them apart, ${steps.join('; ')}; then run again. If one person did all the talking, there is nothing to do.`
  );
}

/** The first step whenever the model-free embedder ran. */
function neuralStep(modelHint: string): string {
  return `use the neural speaker model, which tells real voices apart far better than the model-free one that ran: ${modelHint}`;
}

function absent(players: ReadonlyArray<{ name: string }>): string {
  return `If ${list(players.map((s) => s.name))} ${players.length === 1 ? 'was' : 'were'} not at this session, there is nothing to do.`;
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
