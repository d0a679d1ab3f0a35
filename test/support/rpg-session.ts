/**
 * Multi-speaker role-playing sessions made with espeak-ng, with their ground truth: a game master and players,
 * French and English lines, pauses of 0.3–1.5 s, chosen by a seeded generator so every run hears the same session.
 * Voice samples are made from other sentences than the session's. Utterances are synthesised once per test process
 * (cached by voice and text), two at a time.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpeechRegion } from '../../job/engines/vad.js';
import { speakPcm, TEST_VOICES, trimSilence, type Voice } from './espeak.js';
import type { LabelledTurn } from './der.js';
import { scratchDir } from './fixtures.js';

export interface RpgSpeaker {
  id: string;
  name: string;
  voice: Voice;
  /** Language of most of this speaker's lines. */
  lang: 'fr' | 'en';
}

/** The game master and three players, one espeak voice each (TEST_VOICES: two French, two English). */
export const RPG_SPEAKERS: readonly RpgSpeaker[] = [
  { id: 'mj', name: 'Camille', voice: TEST_VOICES[0]!, lang: 'fr' },
  { id: 'alice', name: 'Alice', voice: TEST_VOICES[1]!, lang: 'en' },
  { id: 'lea', name: 'Léa', voice: TEST_VOICES[2]!, lang: 'fr' },
  { id: 'bob', name: 'Bob', voice: TEST_VOICES[3]!, lang: 'en' },
];

const LINES = {
  fr: [
    'Vous arrivez devant les portes de la cité, la garde vous observe en silence.',
    'Je lance un jet de sauvegarde contre le poison.',
    'Le dragon se réveille et vous regarde fixement.',
    'On devrait peut-être se reposer avant la bataille.',
    'Mon personnage fouille le coffre à la recherche de pièges.',
    'Combien de points de vie il te reste maintenant ?',
    'La taverne est pleine, une barde chante au fond de la salle.',
    'Je sors mon épée et je me place devant le prêtre.',
    'Fais-moi un jet de perception, avec un bonus de deux.',
    'Le marchand refuse de baisser son prix, il a l’air nerveux.',
    'Attends, on avait promis de ramener la relique au temple.',
    'Une odeur de soufre monte de l’escalier qui descend.',
    'Je tente de crocheter la serrure sans faire de bruit.',
    'Les gobelins poussent des cris et chargent vers vous.',
    'Je bois ma potion de soin et je recule derrière le pilier.',
    'Le capitaine vous tend une carte couverte de symboles étranges.',
    'Moi je reste en arrière pour surveiller le couloir.',
    'La pluie tombe sur le village, les volets sont fermés.',
    'Tu entends des pas derrière la porte, quelqu’un approche.',
    'Je demande au vieil homme ce qu’il sait de la forêt noire.',
  ],
  en: [
    'Roll for initiative, everyone, the orcs are here.',
    'I cast fireball at the goblins near the bridge.',
    'I want to persuade the guard to let us through.',
    'My rogue sneaks behind the merchant and steals his purse.',
    'That is a natural twenty, critical hit on the troll.',
    'Can we take a short rest before we go down the stairs?',
    'I check the walls for secret doors and hidden levers.',
    'Wait, I still have a scroll of protection in my bag.',
    'The wizard says the portal only opens at midnight.',
    'I shoot an arrow at the one holding the torch.',
    'We should ask the innkeeper about the missing children.',
    'I hold my shield up and move in front of the healer.',
    'How much gold did we find in the chest last time?',
    'I try to calm the horse before it runs into the river.',
    'Let me help you climb, I have a rope and a hook.',
    'That sounds like a trap, I am not touching that lever.',
    'I whisper a prayer and touch the wound on his arm.',
    'Does the statue look like the one we saw in the crypt?',
    'I grab the map and run for the door.',
    'Okay, I give the goblin my last silver coin.',
  ],
} as const;

/** Sentences kept out of every session: voice samples are made from these. */
const SAMPLE_LINES = {
  fr: ['Bonsoir à tous, je suis très contente de jouer avec vous ce soir.', 'Les montagnes du nord sont couvertes de neige toute l’année.', 'Il faut toujours vérifier ses flèches avant de partir.'],
  en: ['Good evening, this is my voice for the transcription tool.', 'The northern mountains are covered in snow all year long.', 'Always check your arrows before you leave the camp.'],
} as const;

export interface RpgLine extends LabelledTurn {
  text: string;
  lang: 'fr' | 'en';
}

export interface RpgSession {
  pcm: Int16Array;
  duration: number;
  /** Ground truth: one turn per line, speaker = the speaker's id. */
  truth: RpgLine[];
}

export interface RpgOptions {
  seed: number;
  /** Session length to reach, seconds of audio. */
  seconds: number;
  speakers?: readonly RpgSpeaker[];
  /** Range of the silence before each line, seconds (default 0.3–1.5). */
  pauses?: readonly [number, number];
  /**
   * Say every line a little differently (speed ±10 %, pitch ±5 on espeak's 0–99 scale), as people do: no two
   * utterances are then the same audio, which long sessions need since they reuse lines. Off by default, so the
   * tests' sessions stay the ones their figures were measured on.
   */
  vary?: boolean;
  /**
   * Share of lines that are a short reply instead ("Oui.", "D'accord.", "OK."…: half a second of speech), as players
   * answer the game master. 0 by default, so the tests' sessions stay the ones their figures were measured on.
   */
  replies?: number;
}

/** What players say in passing: each under a second. */
const REPLIES = { fr: ['Oui.', 'D’accord.', 'Non.', 'Ah bon ?', 'Ok.', 'Vas-y.'], en: ['Yes.', 'Okay.', 'Right.', 'No way.', 'Sure.', 'Go on.'] } as const;

/** A session of lines by `speakers` (the first one, the game master, speaks about a third of them). */
export async function rpgSession(options: RpgOptions): Promise<RpgSession> {
  const speakers = options.speakers ?? RPG_SPEAKERS;
  const random = mulberry32(options.seed);
  const used = { fr: 0, en: 0 };
  const plan: Array<{ speaker: RpgSpeaker; voice: Voice; text: string; lang: 'fr' | 'en'; pause: number }> = [];
  let estimate = 0;
  let previous = -1;
  while (estimate < options.seconds) {
    let s = random() < 0.35 || speakers.length === 1 ? 0 : 1 + Math.floor(random() * (speakers.length - 1));
    if (s === previous && speakers.length > 1 && random() < 0.7) s = (s + 1) % speakers.length;
    previous = s;
    const speaker = speakers[s]!;
    const lang = random() < 0.8 ? speaker.lang : speaker.lang === 'fr' ? 'en' : 'fr';
    const reply = (options.replies ?? 0) > 0 && random() < options.replies!;
    const text = reply ? REPLIES[lang][Math.floor(random() * REPLIES[lang].length)]! : LINES[lang][(used[lang]++ + options.seed * 7) % LINES[lang].length]!;
    const [shortest, longest] = options.pauses ?? [0.3, 1.5];
    const pause = shortest + random() * (longest - shortest);
    const voice = options.vary
      ? { ...speaker.voice, speed: Math.round((speaker.voice.speed ?? 160) * (0.9 + 0.2 * random())), pitch: Math.round((speaker.voice.pitch ?? 50) - 5 + 10 * random()) }
      : speaker.voice;
    plan.push({ speaker, voice, text, lang, pause });
    estimate += pause + text.length / 18; // espeak at these speeds says about 18 characters a second
  }
  const speech = await inPairs(plan.map((p) => () => utterance(p.text, p.voice, !options.vary)));
  const parts: Int16Array[] = [];
  const truth: RpgLine[] = [];
  let cursor = 0;
  plan.forEach((p, i) => {
    const pause = Math.round(p.pause * 16000);
    parts.push(new Int16Array(pause), speech[i]!);
    cursor += pause;
    truth.push({ start: cursor / 16000, end: (cursor + speech[i]!.length) / 16000, speaker: p.speaker.id, text: p.text, lang: p.lang });
    cursor += speech[i]!.length;
  });
  parts.push(new Int16Array(8000));
  const pcm = concat(parts);
  return { pcm, duration: pcm.length / 16000, truth };
}

/** Voice sample `index` (0..2) of a speaker: one sentence never used in sessions, in the speaker's language. */
export function voiceSample(speaker: RpgSpeaker, index: number): Promise<Int16Array> {
  const lines = SAMPLE_LINES[speaker.lang];
  return utterance(lines[index % lines.length]!, speaker.voice);
}

/** Two sessions on one timeline, as the parts of one recording are laid end to end. */
export function joinSessions(a: RpgSession, b: RpgSession): RpgSession {
  const shift = a.duration;
  return {
    pcm: concat([a.pcm, b.pcm]),
    duration: a.duration + b.duration,
    truth: [...a.truth, ...b.truth.map((t) => ({ ...t, start: t.start + shift, end: t.end + shift }))],
  };
}

/** The ground-truth speech regions, padded as a VAD pads them. */
export function truthRegions(session: RpgSession, pad = 0.1): SpeechRegion[] {
  return session.truth.map((t, i, all) => ({
    start: Math.max(i > 0 ? (all[i - 1]!.end + t.start) / 2 : 0, t.start - pad),
    end: Math.min(i + 1 < all.length ? (t.end + all[i + 1]!.start) / 2 : session.duration, t.end + pad),
  }));
}

/** Writes the session audio as the pipeline's raw PCM file (16 kHz mono s16le) in the test scratch folder. */
export async function writeSessionPcm(session: RpgSession, name: string): Promise<string> {
  const path = join(scratchDir(), `${name}.pcm`);
  await writeFile(path, Buffer.from(session.pcm.buffer, session.pcm.byteOffset, session.pcm.byteLength));
  return path;
}

const cache = new Map<string, Promise<Int16Array>>();
function utterance(text: string, voice: Voice, keep = true): Promise<Int16Array> {
  const key = JSON.stringify([voice, text]);
  let hit = cache.get(key);
  if (!keep) return hit ?? speakPcm(text, voice).then((pcm) => trimSilence(pcm).slice());
  if (!hit) {
    hit = speakPcm(text, voice).then((pcm) => trimSilence(pcm).slice());
    cache.set(key, hit);
  }
  return hit;
}

/** Runs the tasks two at a time (the machine has two cores), keeping their order. */
async function inPairs<T>(tasks: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A small deterministic generator. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Speech regions as a VAD gives them: each line padded, and lines closer than `bridge` seconds joined into one
 * region, as Silero's minimum silence joins them. With short pauses one region then holds several voices.
 */
export function vadLikeRegions(session: RpgSession, pad = 0.1, bridge = 0.3): SpeechRegion[] {
  const out: SpeechRegion[] = [];
  for (const t of session.truth) {
    const r = { start: Math.max(0, t.start - pad), end: Math.min(session.duration, t.end + pad) };
    const last = out[out.length - 1];
    if (last && r.start - last.end < bridge) last.end = r.end;
    else out.push(r);
  }
  return out;
}
